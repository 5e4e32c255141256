/**
 * The terminal's own clock: a POS shows and prints local time. The simulator reads the wall
 * clock in the acquirer's zone (BASTION_TIME_ZONE, default Asia/Shanghai), the zone the host
 * keeps its business day in.
 */
export const TERMINAL_TIME_ZONE_DEFAULT = 'Asia/Shanghai';

export interface TerminalLocalTime {
  /** YYMMDD, for EMV tag 9A. */
  readonly yymmdd: string;
  /** YYYY-MM-DD hh:mm:ss, for the receipt. */
  readonly display: string;
}

export function terminalLocalTime(nowMs: number, timeZone: string = TERMINAL_TIME_ZONE_DEFAULT): TerminalLocalTime {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(nowMs));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((entry) => entry.type === type)?.value ?? '00';
  const year = part('year');
  return {
    yymmdd: `${year.slice(-2)}${part('month')}${part('day')}`,
    display: `${year}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`,
  };
}
