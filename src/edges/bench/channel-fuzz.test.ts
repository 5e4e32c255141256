import { describe, expect, it } from 'vitest';
import { memoryIo } from '../cli/test-io.js';
import { runChannelFuzz } from './channel-fuzz.js';

/**
 * A small fuzz run through the engine, as `bastion bench fuzz` runs it: a real `bastion serve`
 * child process (bin/bastion.js runs dist/, so `npm run build` must have run, as `npm test`
 * does), real TCP, honest terminals transacting throughout. Checks outcomes, never speed.
 */
const FRAMES = 15_000;
const RESIDENT_BYTES_CEILING = 1024 * 1048576;

describe('the channel fuzz bench', () => {
  it(`${FRAMES} random and mutated frames: no crash, every honest sale approved, memory bounded, every malformed frame in the audit log once, coalesced`, async () => {
    const result = await runChannelFuzz({ io: memoryIo(), frames: FRAMES, fuzzers: 8, honestTerminals: 2, honestRatePerSecond: 20, baselineSeconds: 1, seed: 20_261_121 });
    expect(result.hostCrashed).toBe(false);
    expect(result.hostExit).toBeNull();
    expect(result.framesSent).toBe(FRAMES);
    expect(Object.values(result.framesByKind).reduce((sum, count) => sum + count, 0)).toBe(FRAMES);
    expect(Object.values(result.outcomes).reduce((sum, count) => sum + count, 0)).toBe(FRAMES);
    // The host closes connections on garbage and answers format errors (30) and unknown terminals (97).
    expect(result.outcomes['closed']).toBeGreaterThan(0);
    expect(result.outcomes['reply:30']).toBeGreaterThan(0);
    expect(result.outcomes['reply:97']).toBeGreaterThan(0);

    expect(result.honest.baseline.errors).toEqual({});
    expect(result.honest.underFuzz.errors).toEqual({});
    expect(result.honest.underFuzz.approved).toBeGreaterThan(0);
    expect(result.ok).toBe(true);

    expect(result.hostResidentBytes.start).toBeGreaterThan(0);
    expect(result.hostResidentBytes.max).toBeLessThan(RESIDENT_BYTES_CEILING);

    // Thousands of malformed frames, a handful of rows: one per address at once, then summaries;
    // and every frame the host counted is in exactly one of them.
    const malformed = result.hostCounters['framesMalformed'] ?? 0;
    const { audit } = result;
    expect(malformed).toBeGreaterThan(FRAMES / 2);
    expect(audit.summaryRows).toBeGreaterThan(0);
    expect(audit.malformedFrameRows).toBeLessThan(50);
    expect(audit.malformedFrameRows - audit.summaryRows + audit.framesInSummaries).toBe(malformed);
    // The fuzz terminals' ids are unknown to the host: hundreds of 97s, yet a handful of
    // terminal.refused rows (one per address at once, then summaries), not one per request.
    expect(result.outcomes['reply:97']).toBeGreaterThan(100);
    expect(audit.terminalRefusedRows).toBeLessThan(50);
  }, 120_000);
});
