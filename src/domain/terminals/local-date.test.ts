import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { EPOCH_MS_MAX, LocalDateFormatter, TIME_ZONE_DEFAULT } from './local-date.js';

const at = (iso: string): bigint => BigInt(Date.parse(iso));

describe('LocalDateFormatter', () => {
  it('gives YYYYMMDD in the configured zone, Asia/Shanghai by default', () => {
    const shanghai = new LocalDateFormatter();
    expect(shanghai.timeZone).toBe(TIME_ZONE_DEFAULT);
    expect(shanghai.localDate(at('2024-01-01T15:59:59.999Z'))).toBe('20240101');
    expect(shanghai.localDate(at('2024-01-01T16:00:00.000Z'))).toBe('20240102');
    expect(shanghai.localDate(at('2024-02-28T16:00:00Z'))).toBe('20240229');
    expect(new LocalDateFormatter('UTC').localDate(at('2024-01-01T16:00:00Z'))).toBe('20240101');
    expect(new LocalDateFormatter('America/New_York').localDate(at('2024-01-02T03:00:00Z'))).toBe('20240101');
    expect(shanghai.localDate(0n)).toBe('19700101');
  });

  it('refuses an unknown time zone and a time a date cannot hold', () => {
    expectBastionError(() => new LocalDateFormatter('Mars/Olympus_Mons'), 'TERMINAL_ERR_TIME_ZONE', { argument: 'timeZone' });
    expectBastionError(() => new LocalDateFormatter().localDate(-1n), 'TERMINAL_ERR_ARGUMENT', { argument: 'atMs' });
    expectBastionError(() => new LocalDateFormatter().localDate(EPOCH_MS_MAX + 1n), 'TERMINAL_ERR_ARGUMENT', { argument: 'atMs' });
  });
});
