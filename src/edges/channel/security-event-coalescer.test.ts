import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/log/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { auditMigrations, AuditLog, readAuditTail, verifyAuditLog } from '../../domain/audit/index.js';
import { steppingClock, testChainKey } from '../../domain/audit/test-audit.js';
import { BastionError } from '../../lib/errors/index.js';
import type { ChannelMalformedFrameEvent, ChannelSecurityEvent, ChannelUnknownTerminalEvent } from './security-event.js';
import { channelSecurityAuditEvent, channelSecurityAuditSinks, channelSecuritySummaryAuditEvent } from './security-event.js';
import { SecurityEventCoalescer, unknownTerminalIdsListedMax, type ChannelSecuritySummary } from './security-event-coalescer.js';
import { frameOf, requestMessage, TestServers } from './test-channel.js';

const servers = new TestServers();
afterEach(() => servers.stopAll());

const silent = createLogger({ level: 'silent' });

function event(remoteAddress: string, atMs: number, overrides: Partial<ChannelMalformedFrameEvent> = {}): ChannelMalformedFrameEvent {
  return {
    kind: 'malformed-frame',
    atMs,
    connection: { id: `conn_${atMs}`, remoteAddress, remotePort: 40_000 },
    errorCode: 'ISO_ERR_FRAME_HEADER',
    field: 'tpdu.id',
    offset: 0,
    reaction: 'connection-closed',
    ...overrides,
  };
}

function unknownTerminal(remoteAddress: string, atMs: number, terminalId: string, mti = '0800'): ChannelUnknownTerminalEvent {
  return { kind: 'unknown-terminal', atMs, connection: { id: `conn_${atMs}`, remoteAddress, remotePort: 40_000 }, terminalId, mti, responseCode: '97' };
}

function collecting(options: { intervalMs?: number; addressesMax?: number } = {}): { coalescer: SecurityEventCoalescer; events: ChannelSecurityEvent[]; summaries: ChannelSecuritySummary[] } {
  const events: ChannelSecurityEvent[] = [];
  const summaries: ChannelSecuritySummary[] = [];
  // A long interval: the tests tick by hand.
  const coalescer = new SecurityEventCoalescer((value) => void events.push(value), { intervalMs: 3_600_000, ...options, summaries: (value) => void summaries.push(value) }, silent);
  return { coalescer, events, summaries };
}

describe('security-event coalescing', () => {
  it('passes the first event of an address on at once and counts the rest into one summary per interval', async () => {
    const { coalescer, events, summaries } = collecting();
    expect(coalescer.take(event('192.0.2.7', 1_000))).toBe(true);
    for (let index = 1; index <= 9; index++) expect(coalescer.take(event('192.0.2.7', 1_000 + index, index % 3 === 0 ? { errorCode: 'ISO_ERR_LENGTH', field: '60', reaction: 'format-error-reply' } : {}))).toBe(false);
    expect(coalescer.take(event('198.51.100.1', 2_000))).toBe(true);
    expect(events.map((value) => [value.connection.remoteAddress, value.atMs])).toEqual([['192.0.2.7', 1_000], ['198.51.100.1', 2_000]]);
    expect(summaries).toEqual([]);

    coalescer.tick();
    expect(summaries).toEqual([
      { kind: 'malformed-frames-summary', remoteAddress: '192.0.2.7', fromMs: 1_001, toMs: 1_009, count: 9, connectionsClosed: 6, formatErrorReplies: 3, errorCodes: { ISO_ERR_FRAME_HEADER: 6, ISO_ERR_LENGTH: 3 } },
    ]);
    // 198.51.100.1 had nothing more: it leaves the table; 192.0.2.7 stays for one more interval.
    expect(coalescer.addressesTracked).toBe(1);
    coalescer.take(event('198.51.100.1', 3_000));
    coalescer.take(event('192.0.2.7', 3_001));
    expect(events.map((value) => value.atMs)).toEqual([1_000, 2_000, 3_000]);
    coalescer.tick();
    expect(summaries.map((value) => [value.remoteAddress, value.count])).toEqual([['192.0.2.7', 9], ['192.0.2.7', 1]]);
    coalescer.tick();
    coalescer.tick();
    expect(coalescer.addressesTracked).toBe(0);
    await coalescer.stop();
    expect(summaries).toHaveLength(2);
  });

  it('tracks at most addressesMax addresses; the others are counted together under *', async () => {
    const { coalescer, events, summaries } = collecting({ addressesMax: 2 });
    for (let index = 0; index < 50; index++) coalescer.take(event(`203.0.113.${index}`, 10_000 + index));
    expect(events).toHaveLength(2);
    expect(coalescer.addressesTracked).toBe(2);
    await coalescer.stop();
    expect(summaries).toEqual([{ kind: 'malformed-frames-summary', remoteAddress: '*', fromMs: 10_002, toMs: 10_049, count: 48, connectionsClosed: 48, formatErrorReplies: 0, errorCodes: { ISO_ERR_FRAME_HEADER: 48 } }]);
  });

  it('stop() gives what is counted, waits for the sinks and survives a sink that throws or rejects', async () => {
    let written = 0;
    let calls = 0;
    const coalescer = new SecurityEventCoalescer(
      () => {
        calls++;
        throw new Error('sink down');
      },
      {
        summaries: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          written++;
          if (written === 1) throw new Error('sink down');
        },
      },
      silent,
    );
    coalescer.take(event('192.0.2.1', 1));
    coalescer.take(event('192.0.2.1', 2));
    coalescer.take(event('192.0.2.2', 3));
    coalescer.take(event('192.0.2.2', 4));
    await coalescer.stop();
    expect(calls).toBe(2);
    expect(written).toBe(2);
    // After stop, events pass straight on.
    coalescer.take(event('192.0.2.1', 5));
    expect(calls).toBe(3);
  });

  it('coalesces refusals of unknown terminals per address, apart from malformed frames: distinct ids up to the cap, the rest counted', async () => {
    const { coalescer, events, summaries } = collecting();
    // A malformed frame does not make the address's first refusal a counted one, nor the reverse.
    expect(coalescer.take(event('192.0.2.7', 1_000))).toBe(true);
    expect(coalescer.take(unknownTerminal('192.0.2.7', 1_001, 'U0000000'))).toBe(true);
    const burst = 30;
    for (let index = 1; index <= burst; index++) {
      // Every id twice in a row: the list holds distinct ids.
      const terminalId = `U${String(Math.ceil(index / 2)).padStart(7, '0')}`;
      expect(coalescer.take(unknownTerminal('192.0.2.7', 1_001 + index, terminalId, index % 5 === 0 ? '0200' : '0800'))).toBe(false);
    }
    expect(coalescer.take(event('192.0.2.7', 2_000))).toBe(false);
    expect(events.map((value) => value.kind)).toEqual(['malformed-frame', 'unknown-terminal']);
    expect(coalescer.addressesTracked).toBe(2);

    coalescer.tick();
    const listed = Array.from({ length: unknownTerminalIdsListedMax }, (_, index) => `U${String(index + 1).padStart(7, '0')}`);
    expect(summaries).toEqual([
      { kind: 'malformed-frames-summary', remoteAddress: '192.0.2.7', fromMs: 2_000, toMs: 2_000, count: 1, connectionsClosed: 1, formatErrorReplies: 0, errorCodes: { ISO_ERR_FRAME_HEADER: 1 } },
      { kind: 'unknown-terminals-summary', remoteAddress: '192.0.2.7', fromMs: 1_002, toMs: 1_031, count: burst, terminalIds: listed, unlistedTerminalIdRefusals: burst - 2 * unknownTerminalIdsListedMax, mtis: { '0800': 24, '0200': 6 }, responseCodes: { '97': burst } },
    ]);
    // A quiet interval, then the next refusal is passed on at once again.
    coalescer.tick();
    expect(coalescer.addressesTracked).toBe(0);
    expect(coalescer.take(unknownTerminal('192.0.2.7', 5_000, 'U0000099'))).toBe(true);
    // stop() writes what is counted since: one more refusal from this address.
    coalescer.take(unknownTerminal('192.0.2.7', 5_001, 'U0000100'));
    await coalescer.stop();
    expect(summaries.at(-1)).toMatchObject({ kind: 'unknown-terminals-summary', count: 1, terminalIds: ['U0000100'], unlistedTerminalIdRefusals: 0 });
    expect(events).toHaveLength(3);
  });

  it('sums the refusals of unknown terminals from addresses beyond addressesMax under *', async () => {
    const { coalescer, events, summaries } = collecting({ addressesMax: 2 });
    for (let index = 0; index < 20; index++) coalescer.take(unknownTerminal(`203.0.113.${index}`, 10_000 + index, `V${String(index).padStart(7, '0')}`));
    expect(events).toHaveLength(2);
    await coalescer.stop();
    expect(summaries).toEqual([expect.objectContaining({ kind: 'unknown-terminals-summary', remoteAddress: '*', count: 18, unlistedTerminalIdRefusals: 18 - unknownTerminalIdsListedMax })]);
  });

  it('refuses an interval or a table size out of range (CHANNEL_ERR_CONFIG)', () => {
    const make = (options: { intervalMs?: number; addressesMax?: number }) => () => new SecurityEventCoalescer(() => undefined, { ...options, summaries: () => undefined }, silent);
    for (const options of [{ intervalMs: 0 }, { intervalMs: 1.5 }, { addressesMax: 0 }, { addressesMax: 2_000_000 }]) {
      expect(make(options)).toThrow(BastionError);
      try {
        make(options)();
      } catch (error) {
        expect((error as BastionError).code).toBe('CHANNEL_ERR_CONFIG');
      }
    }
    expect(() => new SecurityEventCoalescer(() => undefined, { summaries: undefined as unknown as () => void }, silent)).toThrow(/summaries sink/);
  });

  it('a summary becomes a security.malformed-frame audit event with ISO times, not epoch digits', () => {
    const audited = channelSecuritySummaryAuditEvent({ kind: 'malformed-frames-summary', remoteAddress: '*', fromMs: Date.UTC(2026, 0, 2, 3, 4, 5), toMs: Date.UTC(2026, 0, 2, 3, 4, 15), count: 7, connectionsClosed: 5, formatErrorReplies: 2, errorCodes: { ISO_ERR_MTI: 7 } });
    expect(audited).toEqual({
      actor: 'system',
      action: 'security.malformed-frame',
      target: 'channel:malformed-frames',
      source: 'ip:*',
      outcome: 'denied',
      details: { kind: 'malformed-frames-summary', count: 7, from: '2026-01-02T03:04:05.000Z', to: '2026-01-02T03:04:15.000Z', connectionsClosed: 5, formatErrorReplies: 2, errorCodes: { ISO_ERR_MTI: 7 } },
    });
  });

  it('a refused unknown terminal becomes a terminal.refused audit event from the peer, its summary one with the ids escaped', () => {
    const refused = unknownTerminal('192.0.2.9', 1, '1000 %09');
    expect(channelSecurityAuditEvent(refused)).toEqual({
      actor: 'terminal:1000%20%2509',
      action: 'terminal.refused',
      target: 'terminal:1000%20%2509',
      source: 'ip:192.0.2.9',
      outcome: 'denied',
      details: { reason: 'unknown-terminal', responseCode: '97', mti: '0800', connection: 'conn_1', remotePort: 40_000 },
    });
    expect(channelSecurityAuditEvent({ ...refused, terminalId: '' }).actor).toBe('terminal:unknown');
    const audited = channelSecuritySummaryAuditEvent({
      kind: 'unknown-terminals-summary',
      remoteAddress: '192.0.2.9',
      fromMs: Date.UTC(2026, 0, 2, 3, 4, 5),
      toMs: Date.UTC(2026, 0, 2, 3, 4, 15),
      count: 12,
      terminalIds: ['U0000001', '1000 %09', ''],
      unlistedTerminalIdRefusals: 4,
      mtis: { '0800': 12 },
      responseCodes: { '97': 12 },
    });
    expect(audited).toEqual({
      actor: 'system',
      action: 'terminal.refused',
      target: 'channel:unknown-terminals',
      source: 'ip:192.0.2.9',
      outcome: 'denied',
      details: {
        kind: 'unknown-terminals-summary',
        reason: 'unknown-terminal',
        count: 12,
        from: '2026-01-02T03:04:05.000Z',
        to: '2026-01-02T03:04:15.000Z',
        terminalIds: ['U0000001', '1000%20%2509', 'unknown'],
        unlistedTerminalIdRefusals: 4,
        mtis: { '0800': 12 },
        responseCodes: { '97': 12 },
      },
    });
  });
});

describe.each(databases)('coalesced malformed frames in the audit log ($name)', (database) => {
  it('30 garbage connections from one address and 1 from another are 3 audit rows, written by the channel stop at the latest', async () => {
    const store = await database.open([auditMigrations]);
    try {
      const audit = new AuditLog({ store, clock: steppingClock(), chainKey: testChainKey });
      const { server, address } = await servers.start(
        channelSecurityAuditSinks(
          (value) => audit.append(value),
          (error) => {
            throw error;
          },
        ),
      );
      const badTpdu = frameOf(requestMessage(1));
      badTpdu[2] = 0x00;
      for (let index = 0; index < 30; index++) {
        const client = await servers.connect(address);
        client.send(badTpdu);
        await client.waitClosed();
      }
      const other = await servers.connect(address, { localAddress: '127.0.0.2' }).catch(() => undefined);
      if (other !== undefined) {
        other.send(badTpdu);
        await other.waitClosed();
      }
      await server.stop();
      const rows = await readAuditTail(store, 10);
      const details = rows.map((row) => JSON.parse(row.details) as Record<string, unknown>);
      const summaries = details.filter((value) => value['kind'] === 'malformed-frames-summary');
      expect(rows).toHaveLength(other === undefined ? 2 : 3);
      expect(summaries).toEqual([expect.objectContaining({ count: 29, connectionsClosed: 29, formatErrorReplies: 0, errorCodes: { ISO_ERR_FRAME_HEADER: 29 } })]);
      expect(rows.filter((row) => row.source === 'ip:127.0.0.1')).toHaveLength(2);
      expect(server.counters.framesMalformed).toBe(other === undefined ? 30 : 31);
      expect((await verifyAuditLog(store, { chainKey: testChainKey })).intact).toBe(true);
    } finally {
      await servers.stopAll();
      await store.close();
    }
  });
});
