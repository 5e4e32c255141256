import { describe, expect, it } from 'vitest';
import type { ChannelFuzzResult } from '../../bench/channel-fuzz.js';
import { memoryIo } from '../test-io.js';
import { benchCommand } from './bench-command.js';
import { formatChannelFuzz, fuzzOptionsOf } from './fuzz-command.js';

async function benchFuzz(args: readonly string[]): Promise<{ exit: number | undefined; stdout: string; stderr: string }> {
  const io = memoryIo();
  let exit: number | undefined;
  await benchCommand(io, (code) => (exit = code), {}).parseAsync(['fuzz', ...args], { from: 'user' });
  return { exit, stdout: io.out(), stderr: io.err() };
}

describe('bastion bench fuzz arguments', () => {
  it('refuses --frames 0 with BENCH_ERR_ARGUMENT before starting anything', async () => {
    expect(await benchFuzz(['--frames', '0'])).toEqual({ exit: 2, stdout: '', stderr: 'error BENCH_ERR_ARGUMENT: --frames must be a whole number from 1 to 100000000\n' });
  });

  it.each([
    ['--fuzzers', '0'],
    ['--fuzzers', '49'],
    ['--terminals', '0'],
    ['--rate', '1.5'],
    ['--baseline', '0'],
    ['--seed', '-1'],
    ['--seed', '4294967296'],
    ['--frames', 'many'],
  ])('refuses %s %s', async (option, value) => {
    const result = await benchFuzz([option, value]);
    expect(result.exit).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error BENCH_ERR_ARGUMENT: ${option} must be a whole number`));
  });

  it('takes the defaults: a million frames, 8 fuzzers, 8 honest terminals at 50/s, 5 s of baseline, a random seed', () => {
    const options = fuzzOptionsOf({ frames: '1000000', fuzzers: '8', terminals: '8', rate: '50', baseline: '5' });
    expect(options).toMatchObject({ frames: 1_000_000, fuzzers: 8, honestTerminals: 8, honestRatePerSecond: 50, baselineSeconds: 5 });
    expect(Number.isInteger(options.seed)).toBe(true);
    expect(fuzzOptionsOf({ frames: '1', fuzzers: '1', terminals: '1', rate: '1', baseline: '1', seed: '4294967295' }).seed).toBe(4_294_967_295);
  });
});

describe('the fuzz bench text output', () => {
  const load = { elapsedSeconds: 5, sent: 250, approved: 250, approvedPerSecond: 50, p50Ms: 4, p95Ms: 6, p99Ms: 9, maxMs: 12, errors: {} };
  const result: ChannelFuzzResult = {
    seed: 42,
    store: 'sqlite',
    fuzzers: 8,
    honestTerminals: 8,
    honestRatePerSecond: 50,
    framesSent: 1000,
    framesByKind: { random: 150, 'random-after-header': 150, length: 120, mutated: 500, foreign: 80 },
    fuzzSeconds: 2,
    framesPerSecond: 500,
    outcomes: { closed: 600, 'reply:30': 320, 'reply:97': 80 },
    fuzzConnections: 610,
    fuzzConnectFailures: 0,
    hostCrashed: false,
    hostExit: null,
    honest: { baseline: load, underFuzz: { ...load, sent: 100, approved: 99, errors: { timeout: 1 } } },
    hostResidentBytes: { start: 100 * 1048576, max: 130 * 1048576, end: 120 * 1048576, samples: [] },
    hostCounters: { framesMalformed: 900 },
    audit: { malformedFrameRows: 3, summaryRows: 2, framesInSummaries: 899, terminalRefusedRows: 80, totalRows: 100 },
    hostLogBytes: 1048576,
    ok: false,
  };

  it('prints the frames, the outcomes, the host, the honest terminals against their baseline and the audit rows', () => {
    const text = formatChannelFuzz(result);
    expect(text).toContain('seed 42');
    expect(text).toContain('1000 in 2.0 s, 500/s');
    expect(text).toContain('closed × 600, reply:30 × 320, reply:97 × 80');
    expect(text).toContain('resident memory 100 MiB at start, 130 MiB max, 120 MiB at end');
    expect(text).toContain('349 of 350 approved; errors timeout × 1');
    expect(text).toContain('3 malformed-frame rows (2 summaries counting 899 frames)');
    expect(text).toContain('result:      FAILED');
  });
});
