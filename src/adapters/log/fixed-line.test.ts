import { describe, expect, it } from 'vitest';
import { fixedLineTextLengthMax, fixedLineWriter } from './fixed-line.js';
import { createLogger, type LogLevel, type Logger } from './logger.js';
import { arqc, keyHex, pan, pinBlock, secrets, track2 } from './test-log-secrets.js';

const cardLike = [pan, track2, track2.replace('=', 'D'), pinBlock, keyHex, arqc, `card ${pan}`, `${pinBlock}"}\n{"pan":"${pan}`];

const fieldNames = ['requestMti', 'replyMti', 'responseCode', 'terminalId', 'trace', 'durationMs'] as const;
type Fields = Partial<Record<(typeof fieldNames)[number], string | number>>;
const plain: Fields = { requestMti: '0200', replyMti: '0210', responseCode: '00', terminalId: 'T0000001', trace: '000123', durationMs: 1.234 };

function capture(level: LogLevel = 'info'): { logger: Logger; lines: () => string[] } {
  const written: string[] = [];
  const logger = createLogger({ level, name: 'test', destination: { write: (line: string) => written.push(line) } }).child({ area: 'host' });
  return { logger, lines: () => written };
}

/** The line the fixed path writes and the line the generic path writes for the same fields, time aside. */
function bothPaths(fields: Fields): { fixed: string; generic: string } {
  const { logger, lines } = capture();
  fixedLineWriter(logger, { level: 'info', message: 'reply', fieldNames })(fields);
  logger.info(fields, 'reply');
  const [fixed, generic] = lines().map((line) => line.replace(/"time":\d+/, '"time":0'));
  return { fixed: fixed ?? '', generic: generic ?? '' };
}

function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text.toUpperCase(), `log shows ${secret.slice(0, 4)}…`).not.toContain(secret.toUpperCase());
}

describe('fixed-line writer', () => {
  it('writes the same bytes as the generic path for plain fields', () => {
    const { fixed, generic } = bothPaths(plain);
    expect(fixed).toBe(generic);
    expect(fixed.endsWith('\n')).toBe(true);
    expect(JSON.parse(fixed)).toMatchObject({ level: 30, name: 'test', area: 'host', ...plain, msg: 'reply' });
    // Absent fields are left out, as pino leaves them out.
    const unanswered = bothPaths({ requestMti: '0200', replyMti: 'none', responseCode: 'none', durationMs: 0 });
    expect(unanswered.fixed).toBe(unanswered.generic);
  });

  it('no PAN, track, PIN block, key or cryptogram in any field reaches the line; the line keeps its fields', () => {
    for (const secret of cardLike) {
      for (const name of fieldNames) {
        const { fixed, generic } = bothPaths({ ...plain, [name]: secret });
        expectNoSecret(fixed);
        expect(fixed).toBe(generic);
        const parsed = JSON.parse(fixed) as Record<string, unknown>;
        expect(Object.keys(parsed)).toEqual(['level', 'time', 'pid', 'hostname', 'name', 'area', ...fieldNames, 'msg']);
        expect(parsed['msg']).toBe('reply');
      }
    }
    for (const number of [4761739001010010, 476173900101.5, Number.NaN, Infinity]) {
      const { fixed, generic } = bothPaths({ ...plain, durationMs: number });
      expectNoSecret(fixed);
      expect(fixed).toBe(generic);
    }
  });

  it('a string of fixedLineTextLengthMax characters is written as it is, one longer is redacted', () => {
    const longest = pan.slice(0, fixedLineTextLengthMax);
    expect(JSON.parse(bothPaths({ ...plain, terminalId: longest }).fixed)).toMatchObject({ terminalId: longest });
    const { fixed } = bothPaths({ ...plain, terminalId: pan.slice(0, fixedLineTextLengthMax + 1) });
    expect(JSON.parse(fixed)).toMatchObject({ terminalId: '476173**0101' });
  });

  it('writes only the listed fields, whatever else the object carries', () => {
    const { logger, lines } = capture();
    const write = fixedLineWriter(logger, { level: 'info', message: 'reply', fieldNames });
    write({ ...plain, pan, track2, pinBlock, note: `card ${pan}` } as Fields);
    write({ ...plain, terminalId: { pan } as unknown as string, pan } as Fields);
    expect(lines()).toHaveLength(2);
    expectNoSecret(lines().join(''));
    for (const line of lines()) expect(Object.keys(JSON.parse(line) as object)).toEqual(['level', 'time', 'pid', 'hostname', 'name', 'area', ...fieldNames, 'msg']);
  });

  it('quotes, backslashes and line breaks cannot forge a line', () => {
    const { logger, lines } = capture();
    fixedLineWriter(logger, { level: 'info', message: 'reply', fieldNames })({ ...plain, terminalId: 'a"}\n{"b\\' });
    expect(lines()).toHaveLength(1);
    expect(lines()[0]?.trimEnd()).not.toContain('\n');
    expect(JSON.parse(lines()[0] ?? '')).toMatchObject({ terminalId: 'a"}\n{"b\\' });
  });

  it('respects the level', () => {
    const { logger, lines } = capture('warn');
    fixedLineWriter(logger, { level: 'info', message: 'reply', fieldNames })(plain);
    expect(lines()).toHaveLength(0);
    fixedLineWriter(logger, { level: 'error', message: 'reply', fieldNames })(plain);
    expect(JSON.parse(lines()[0] ?? '')).toMatchObject({ level: 50, ...plain });
  });

  it('refuses card-data or key field names, unusual names and a message that is not plain', () => {
    const { logger } = capture();
    for (const name of ['pan', 'track2', 'pinBlock', 'mak', 'sourceKey', 'field55', 'a"b', 'x y', '']) {
      expect(() => fixedLineWriter(logger, { level: 'info', message: 'reply', fieldNames: ['trace', name] }), name).toThrow(/field named/);
    }
    expect(() => fixedLineWriter(logger, { level: 'info', message: 'reply', fieldNames: ['trace', 'trace'] })).toThrow(/twice/);
    for (const message of [`card ${pan}`, 'say "hi"', '']) {
      expect(() => fixedLineWriter(logger, { level: 'info', message, fieldNames }), message).toThrow(/message/);
    }
  });

  it('a logger not made by createLogger gets the generic path', () => {
    const calls: unknown[][] = [];
    const record = (...args: unknown[]): void => void calls.push(args);
    const fake: Logger = { fatal: record, error: record, warn: record, info: record, debug: record, trace: record, child: () => fake, level: 'info' };
    fixedLineWriter(fake, { level: 'info', message: 'reply', fieldNames })({ ...plain, pan } as Fields);
    expect(calls).toEqual([[plain, 'reply']]);
  });
});
