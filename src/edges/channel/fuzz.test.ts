import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelSecurityEvent } from './security-event.js';
import { requestFrame, TestServers, within } from './test-channel.js';

/**
 * Fuzzing the channel over real sockets: mutated and random byte streams, each on its own
 * connection, while an honest terminal keeps transacting. Every connection must end (answered,
 * refused or timed out), the host must not crash or hang, and every security event must have
 * only its documented, short fields: there is no place in one for frame bytes.
 *
 * CHANNEL_FUZZ_CASES (default 300) sets the number of streams.
 */
const fuzzCases = Math.max(1, Number.parseInt(process.env['CHANNEL_FUZZ_CASES'] ?? '', 10) || 300);
const parallelConnections = 20;

const servers = new TestServers();
afterEach(() => servers.stopAll());

/** A good frame with bytes flipped, cut, or followed by noise; or noise alone; or a few frames in one stream. */
const streams: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .record({ trace: fc.integer({ min: 0, max: 999_999 }), flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }) })
    .map(({ trace, flips }) => {
      const frame = requestFrame(trace);
      for (const { at, value } of flips) frame[at % frame.length] = value;
      return frame;
    }),
  fc.record({ trace: fc.integer({ min: 0, max: 999_999 }), keep: fc.nat() }).map(({ trace, keep }) => {
    const frame = requestFrame(trace);
    return frame.subarray(0, keep % (frame.length + 1));
  }),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.array(fc.integer({ min: 0, max: 999_999 }), { minLength: 1, maxLength: 5 }).map((traces) => Buffer.concat(traces.map((trace) => requestFrame(trace)))),
);

const eventFields = new Set(['kind', 'atMs', 'connection', 'errorCode', 'field', 'offset', 'mti', 'reaction']);

function checkEventShape(event: ChannelSecurityEvent): void {
  // The echo handler reports no request: every event is a malformed frame.
  expect(event.kind).toBe('malformed-frame');
  if (event.kind !== 'malformed-frame') return;
  for (const name of Object.keys(event)) expect(eventFields.has(name), name).toBe(true);
  expect(event.errorCode).toMatch(/^ISO_ERR_[A-Z_]+$/);
  if (event.field !== undefined) expect(event.field).toMatch(/^[a-z0-9.]{1,40}$/i);
  if (event.mti !== undefined) expect(event.mti).toMatch(/^\d{4}$/);
  expect(Object.keys(event.connection).sort()).toEqual(['id', 'remoteAddress', 'remotePort']);
}

describe('channel fuzz', () => {
  it(`${fuzzCases} mutated and random streams: each connection ends, the honest terminal is always answered, events carry no bytes`, async () => {
    const events: ChannelSecurityEvent[] = [];
    const { server, address } = await servers.start({
      securityEvents: (event) => void events.push(event),
      limits: { frameCompletionTimeoutMs: 300, idleTimeoutMs: 300 },
    });
    const honest = await servers.connect(address);
    // Keep-alives hold the honest connection open across the idle timeout between its transactions.
    const keepAlive = setInterval(() => {
      honest.send(Buffer.alloc(2));
    }, 100);
    const inputs = fc.sample(streams, { numRuns: fuzzCases, seed: 20_240_601 });
    let honestTrace = 0;
    try {
      for (let start = 0; start < inputs.length; start += parallelConnections) {
        await within(
          Promise.all(
            inputs.slice(start, start + parallelConnections).map(async (wire) => {
              const client = await servers.connect(address);
              client.send(wire);
              await client.waitClosed();
              client.close();
            }),
          ),
          'every fuzzed connection to end',
          10_000,
        );
        await honest.transact(++honestTrace);
      }
    } finally {
      clearInterval(keepAlive);
    }
    for (const event of events) checkEventShape(event);
    const counters = server.counters;
    // Both outcomes must have been reached, or this test proves little (checked when there are enough cases for both).
    if (fuzzCases >= 100) {
      expect(counters.framesMalformed).toBeGreaterThan(fuzzCases / 10);
      expect(counters.framesOut - honestTrace).toBeGreaterThan(fuzzCases / 10);
      expect(counters.formatErrorReplies).toBeGreaterThan(0);
    }
    expect(events.length).toBe(counters.framesMalformed);
    expect(honest.isClosed).toBe(false);
  });
});
