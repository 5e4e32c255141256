import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { liveWorkers, startEverySlot, type WorkerSlot } from './worker-slots.js';

interface TestSlot {
  worker: Worker | undefined;
  started: Promise<void>;
}

function pool(): { closed: number; close(): Promise<void> } {
  const owner = {
    closed: 0,
    close: () => {
      owner.closed += 1;
      return Promise.resolve();
    },
  };
  return owner;
}

describe('worker slots', () => {
  it('starts every slot and returns the pool once all are ready', async () => {
    const slots: TestSlot[] = [0, 1, 2].map(() => ({ worker: undefined, started: Promise.resolve() }));
    const spawned: number[] = [];
    const owner = pool();
    await expect(startEverySlot(owner, slots, (slot) => { spawned.push(slots.indexOf(slot)); })).resolves.toBe(owner);
    expect(spawned).toEqual([0, 1, 2]);
    expect(owner.closed).toBe(0);
  });

  it('closes the pool and throws the failure when one slot cannot start', async () => {
    const failure = new Error('the second thread could not start');
    const slots: TestSlot[] = [0, 1].map(() => ({ worker: undefined, started: Promise.resolve() }));
    const owner = pool();
    await expect(
      startEverySlot(owner, slots, (slot) => {
        if (slot === slots[1]) slot.started = Promise.reject(failure);
      }),
    ).rejects.toBe(failure);
    expect(owner.closed).toBe(1);
  });

  it('lists only the slots that hold a thread', async () => {
    const worker = new Worker('', { eval: true });
    try {
      const slots: WorkerSlot[] = [{ worker, started: Promise.resolve() }, { worker: undefined, started: Promise.resolve() }];
      expect(liveWorkers(slots)).toEqual([worker]);
    } finally {
      await worker.terminate();
    }
  });
});
