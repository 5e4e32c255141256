import { BastionError } from '../../lib/errors/index.js';

/**
 * "Today" for a terminal is the acquirer's business day in its own time zone, not UTC: a
 * terminal in Shanghai that signed in at 07:30 local time (23:30 UTC the day before) has
 * signed in today. The time zone is configured (IANA name), never taken from the machine.
 */
export const TIME_ZONE_DEFAULT = 'Asia/Shanghai';
/** The last instant a JavaScript Date can hold. */
export const EPOCH_MS_MAX = 8_640_000_000_000_000n;

/** Turns epoch milliseconds into YYYYMMDD in one time zone; built once per time zone. */
export class LocalDateFormatter {
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat;
  /** The last second asked for and its date: formatting costs microseconds, and a busy host asks for the same second many times. */
  private last: { readonly second: bigint; readonly date: string } | undefined;

  constructor(timeZone: string = TIME_ZONE_DEFAULT) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', { timeZone, calendar: 'gregory', numberingSystem: 'latn', year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      throw new BastionError('TERMINAL_ERR_TIME_ZONE', 'the time zone is not a known IANA name such as Asia/Shanghai', { argument: 'timeZone' });
    }
    this.timeZone = this.format.resolvedOptions().timeZone;
  }

  /** YYYYMMDD at `atMs` (epoch milliseconds). */
  localDate(atMs: bigint): string {
    if (atMs < 0n || atMs > EPOCH_MS_MAX) throw new BastionError('TERMINAL_ERR_ARGUMENT', 'a time is epoch milliseconds from 0 to the last a date can hold', { argument: 'atMs' });
    // Time zone offsets are whole seconds, so the date never changes within one.
    const second = atMs / 1000n;
    if (this.last?.second === second) return this.last.date;
    const parts = this.format.formatToParts(new Date(Number(atMs)));
    const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((candidate) => candidate.type === type)?.value ?? '';
    const date = `${part('year').padStart(4, '0')}${part('month')}${part('day')}`;
    if (!/^\d{8}$/.test(date)) throw new BastionError('TERMINAL_ERR_TIME_ZONE', 'the local date could not be computed', { argument: 'atMs' });
    this.last = { second, date };
    return date;
  }
}
