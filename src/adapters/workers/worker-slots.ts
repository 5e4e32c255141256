import type { Worker } from 'node:worker_threads';

/** A place in a fixed pool of worker threads: the thread now in it, and its start. */
export interface WorkerSlot {
  readonly worker: Worker | undefined;
  /** Settles once the slot's thread is ready; rejects when it could not start. */
  readonly started: Promise<void>;
}

/**
 * Starts a thread in every slot and waits until each is ready. If any cannot start, the whole
 * pool is closed and that failure thrown: a pool that cannot start fails at once, not at its
 * first use.
 */
export async function startEverySlot<Pool extends { close(): Promise<void> }, Slot extends WorkerSlot>(pool: Pool, slots: readonly Slot[], spawn: (slot: Slot) => void): Promise<Pool> {
  try {
    for (const slot of slots) spawn(slot);
    await Promise.all(slots.map((slot) => slot.started));
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}

/** The threads now in the pool's slots (a slot being replaced has none). */
export function liveWorkers(slots: readonly WorkerSlot[]): Worker[] {
  return slots.flatMap((slot) => (slot.worker === undefined ? [] : [slot.worker]));
}
