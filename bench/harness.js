// Benchmark harness: runs each candidate for a fixed wall-clock slice several times and keeps
// the median rate, so one noisy slice does not decide the figure. Prints, never asserts.
import { performance } from 'node:perf_hooks';

const quick = process.env.BENCH_QUICK === '1';
export const sliceMs = quick ? 100 : 700;
export const rounds = quick ? 1 : 5;

/** Operations per second of `run(i)` (i counts up so inputs can rotate). */
export function measure(run) {
  // Warm-up: let the JIT settle and caches fill.
  const warmUntil = performance.now() + sliceMs / 2;
  let i = 0;
  while (performance.now() < warmUntil) run(i++);
  const rates = [];
  for (let round = 0; round < rounds; round++) {
    let count = 0;
    const start = performance.now();
    let now = start;
    while (now - start < sliceMs) {
      for (let k = 0; k < 64; k++) run(i++ + k);
      count += 64;
      now = performance.now();
    }
    rates.push((count * 1000) / (now - start));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

function pad(text, width, right = false) {
  const s = String(text);
  return right ? s.padStart(width) : s.padEnd(width);
}

/** Prints one table: each row an implementation, with its rate and its ratio to `baseline`. */
export function report(title, rows, baseline) {
  const base = rows.find((row) => row.name === baseline);
  console.log(`\n${title}`);
  console.log(`  ${pad('implementation', 44)} ${pad('ops/s', 12, true)} ${pad('µs/op', 9, true)} ${pad(`× vs ${baseline}`, 18, true)}`);
  for (const row of rows) {
    const ratio = base ? (row.rate / base.rate).toFixed(2) : '-';
    console.log(`  ${pad(row.name, 44)} ${pad(Math.round(row.rate).toLocaleString('en-US'), 12, true)} ${pad((1e6 / row.rate).toFixed(2), 9, true)} ${pad(ratio, 18, true)}`);
  }
}

export function assertSame(label, expected, actual) {
  if (expected !== actual) {
    console.error(`cross-check failed for ${label}: implementations disagree`);
    process.exit(1);
  }
}
