import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { BastionError } from '../../lib/errors/index.js';
import { eventually } from '../../lib/testing/test-eventually.js';
import type { Store } from '../../ports/store.js';
import { hostCodec } from './reply.js';
import { useHost } from './test-host.js';

/**
 * The store as the pipeline sees it, with a `whenDurable` the test holds: what a SQLite store
 * reports while a group commit's fsync is still running (wal-sync.ts).
 */
class HeldDurability {
  asked = 0;
  /** Every unit committed from now on fails its fsync. */
  failUnits = false;
  #held: { promise: Promise<void>; release: () => void; fail: (error: Error) => void } | undefined;

  view(store: Store): Store {
    return {
      dialect: store.dialect,
      db: () => store.db(),
      transact: async (work) => {
        const value = await store.transact(work);
        // The group's fsync failing after its commit: the unit rejects, as GroupCommitter's do.
        if (this.failUnits) throw new BastionError('STORE_ERR_DURABILITY', 'the disk refused');
        return value;
      },
      changes: store.changes,
      close: () => store.close(),
      whenDurable: () => {
        if (this.#held === undefined) return store.whenDurable();
        this.asked += 1;
        return this.#held.promise;
      },
    };
  }

  hold(): void {
    this.asked = 0;
    let release = (): void => undefined;
    let fail: (error: Error) => void = () => undefined;
    const promise = new Promise<void>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
    this.#held = { promise, release, fail };
  }

  release(): void {
    this.#held?.release();
    this.#held = undefined;
  }

  fail(error: Error): void {
    this.#held?.fail(error);
    this.#held = undefined;
  }
}

describe.each(databases)('replies wait until what they were built from is durable, on $name', (database) => {
  const durability = new HeldDurability();
  const host = useHost(database, { pipelineStore: (store) => durability.view(store) });

  it('a retransmission answered from a commit still being fsynced leaves only once the fsync returns', async () => {
    const card = testCard('approve-chip-pin');
    const sale = host.terminal.sale(card, { pin: '1234', trace: '000501', amountMinor: 700n });
    const first = await host.terminal.exchangeRaw(sale);
    expect(hostCodec.unpack(first).get(39)).toBe('00');

    durability.hold();
    let replied = false;
    const again = host.terminal.exchangeRaw(sale).then((reply) => {
      replied = true;
      return reply;
    });
    await eventually(() => durability.asked > 0, 'the pipeline to ask whether its reply is durable');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(replied).toBe(false);
    durability.release();
    expect((await again).equals(first)).toBe(true);
  });

  it('a request whose own record settled durably is answered without waiting for a later commit’s fsync', async () => {
    const card = testCard('approve-chip-pin');
    durability.hold();
    try {
      const reply = hostCodec.unpack(await host.terminal.exchangeRaw(host.terminal.sale(card, { pin: '1234', trace: '000551', amountMinor: 750n })));
      expect(reply.get(39)).toBe('00');
      expect(durability.asked).toBe(0);
    } finally {
      durability.release();
    }
  });

  it('when a later commit’s fsync fails, a retransmission answered from it gets nothing, and the host goes on answering', async () => {
    const card = testCard('approve-chip-pin');
    const sale = host.terminal.sale(card, { pin: '1234', trace: '000601', amountMinor: 800n });
    expect(hostCodec.unpack(await host.terminal.exchangeRaw(sale)).get(39)).toBe('00');
    durability.hold();
    host.terminal.send(sale);
    await eventually(() => durability.asked > 0, 'the pipeline to ask whether its reply is durable');
    durability.fail(new BastionError('STORE_ERR_DURABILITY', 'the disk refused'));
    // The next reply on this connection is the next request's: none was sent for the retransmission.
    const next = hostCodec.unpack(await host.terminal.exchangeRaw(host.terminal.sale(card, { pin: '1234', trace: '000602', amountMinor: 900n })));
    expect(next.get(11)).toBe('000602');
    expect(next.get(39)).toBe('00');
  });

  it('when its own record’s fsync fails, nothing is sent for that request — not even a decline — and the host goes on answering', async () => {
    const card = testCard('approve-chip-pin');
    durability.failUnits = true;
    try {
      host.terminal.send(host.terminal.sale(card, { pin: '1234', trace: '000701', amountMinor: 800n }));
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      durability.failUnits = false;
    }
    const next = hostCodec.unpack(await host.terminal.exchangeRaw(host.terminal.sale(card, { pin: '1234', trace: '000702', amountMinor: 900n })));
    expect(next.get(11)).toBe('000702');
    expect(next.get(39)).toBe('00');
  });
});
