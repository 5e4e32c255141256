import { describe, expect, it } from 'vitest';
import { LazyAbort } from './lazy-abort.js';

describe('LazyAbort', () => {
  it('a signal asked for before the abort hears it, once', () => {
    const lazy = new LazyAbort();
    const signal = lazy.signal;
    let heard = 0;
    signal.addEventListener('abort', () => { heard += 1; });
    expect(signal.aborted).toBe(false);
    lazy.abort();
    lazy.abort();
    expect(signal.aborted).toBe(true);
    expect(lazy.aborted).toBe(true);
    expect(heard).toBe(1);
    expect(lazy.signal).toBe(signal);
  });

  it('a signal asked for after the abort comes already aborted', () => {
    const lazy = new LazyAbort();
    lazy.abort();
    expect(lazy.aborted).toBe(true);
    expect(lazy.signal.aborted).toBe(true);
  });

  it('is not aborted until aborted', () => {
    const lazy = new LazyAbort();
    expect(lazy.aborted).toBe(false);
    expect(lazy.signal.aborted).toBe(false);
  });
});
