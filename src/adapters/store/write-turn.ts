import { threadId } from 'node:worker_threads';
import { BastionError } from '../../lib/errors/index.js';

/** The most turns asked for and not yet given up at once, across all threads (a power of two). */
export const WRITE_TURN_TICKETS_MAX = 256;

const TICKET_MASK = WRITE_TURN_TICKETS_MAX - 1;
/** Int32 slots at the start of the buffer: the next ticket to hand out, and the ticket whose turn it is. */
const NEXT = 0;
const SERVING = 1;
const TICKETS_OFFSET_BYTES = 8;
/** The size of a write turn's shared buffer. */
export const WRITE_TURN_BYTES = TICKETS_OFFSET_BYTES + 8 * WRITE_TURN_TICKETS_MAX;

/** Owner field of a ticket entry that nobody has taken yet. */
const UNCLAIMED = 0;
/** Owner field of a ticket whose thread died waiting: its turn is skipped. */
const ABANDONED = 0xffff_ffff;

/** A ticket entry: the ticket number (high 32 bits) and its owner, the thread id + 1 (low 32 bits). */
function ticketEntry(ticket: number, owner: number): bigint {
  return (BigInt(ticket >>> 0) << 32n) | BigInt(owner >>> 0);
}

function ticketOf(entry: bigint): number {
  return Number(entry >> 32n) | 0;
}

function ownerOf(entry: bigint): number {
  return Number(entry & 0xffff_ffffn);
}

/** How far ticket `a` is after ticket `b`, negative when before; tickets wrap around at 2³². */
function ticketsAfter(a: number, b: number): number {
  return (a - b) | 0;
}

/** `Atomics.waitAsync` (Node 20), which this project's TypeScript library (before ES2024) does not declare. */
type WaitAsync = (array: Int32Array, index: number, value: number) => { readonly async: false; readonly value: string } | { readonly async: true; readonly value: Promise<string> };
const waitAsync = (Atomics as unknown as { readonly waitAsync: WaitAsync }).waitAsync.bind(Atomics);

/** Handed out when the turn is free: no promise per uncontended acquire. */
const granted: Promise<void> = Promise.resolve();

/**
 * Turns at writing one SQLite file, taken in order by the threads of one process, each with its
 * own connection, through a `SharedArrayBuffer` they all map. SQLite lets one connection write at
 * a time; another that tries meanwhile sleeps in its busy handler — synchronously, stopping its
 * thread's event loop — or, if its transaction had read before it wrote, fails at once (a stale
 * snapshot). Threads that take a turn before they begin a write transaction never meet SQLite's
 * lock held by each other, and wait for their turn asynchronously (`Atomics.waitAsync`): the
 * event loop goes on meanwhile.
 *
 * A ticket lock: turns are given in the order they were asked for (first come, first served, so
 * no thread starves). Each ticket has an entry in a ring of `WRITE_TURN_TICKETS_MAX`, which a
 * thread claims with one compare-and-swap that writes its thread id with the ticket number: at
 * every moment, the buffer says which thread holds the turn and which wait for one. More callers
 * may wait at once than there are entries; those beyond wait for an entry to come free, and are
 * served first come, first served only from then on.
 *
 * A thread that dies (a worker terminated, or ended by an uncaught error) while it holds the turn,
 * or waits for one, would stop every other thread for good: nothing in the thread runs anymore to
 * give the turn up. Its SQLite connection is closed as the thread ends (better-sqlite3 closes a
 * thread's connections then), which rolls back a transaction it had open and frees SQLite's own
 * lock, but not this turn. The thread that started the worker therefore calls
 * `releaseIfHolder(worker.threadId)` on the worker's every 'exit' event (harmless when it held
 * nothing): that passes its turn on and withdraws its waiting tickets. Every step a thread takes here
 * is a single atomic operation or one that another thread completes for it, so a thread stopped
 * between any two of them leaves nothing `releaseIfHolder` cannot put right.
 */
export class SharedWriteTurn {
  readonly #counters: Int32Array;
  readonly #tickets: BigUint64Array;
  /** This thread's owner field: its thread id + 1 (the main thread's id is 0). */
  readonly #self = threadId + 1;

  private constructor(readonly buffer: SharedArrayBuffer) {
    this.#counters = new Int32Array(buffer, 0, 2);
    this.#tickets = new BigUint64Array(buffer, TICKETS_OFFSET_BYTES, WRITE_TURN_TICKETS_MAX);
  }

  /** A new turn, free; pass `buffer` to the other threads (`workerData`) and `attach` it there. */
  static create(): SharedWriteTurn {
    const turn = new SharedWriteTurn(new SharedArrayBuffer(WRITE_TURN_BYTES));
    for (let ticket = 0; ticket < WRITE_TURN_TICKETS_MAX; ticket += 1) turn.#tickets[ticket] = ticketEntry(ticket, UNCLAIMED);
    return turn;
  }

  /** The turn whose buffer another thread made with `create`. */
  static attach(buffer: SharedArrayBuffer): SharedWriteTurn {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength !== WRITE_TURN_BYTES) {
      throw new BastionError('STORE_ERR_CONFIG', 'the SQLite write turn must be the SharedArrayBuffer of a SharedWriteTurn', { argument: 'sqliteWriteTurn' });
    }
    return new SharedWriteTurn(buffer);
  }

  /** The thread id of the thread whose turn it is; undefined when the turn is free. */
  get holder(): number | undefined {
    const serving = Atomics.load(this.#counters, SERVING);
    const entry = Atomics.load(this.#tickets, serving & TICKET_MASK);
    const owner = ownerOf(entry);
    return ticketOf(entry) === serving && owner !== UNCLAIMED && owner !== ABANDONED ? owner - 1 : undefined;
  }

  /**
   * Settles when it is this caller's turn, after every turn asked for before it. Each acquire is
   * followed by exactly one `release`, from the same thread. Waiting keeps the thread alive (a
   * thread with nothing but a pending `Atomics.waitAsync` would end).
   */
  acquire(): Promise<void> {
    const ticket = this.#takeTicket();
    if (ticket !== undefined && Atomics.load(this.#counters, SERVING) === ticket) return granted;
    return this.#waitForTurn(ticket);
  }

  /** Gives the turn to the next ticket. Only the thread whose turn it is may call it. */
  release(): void {
    const serving = Atomics.load(this.#counters, SERVING);
    const held = ticketEntry(serving, this.#self);
    if (Atomics.load(this.#tickets, serving & TICKET_MASK) !== held) throw new Error('a thread released an SQLite write turn it does not hold');
    this.#passOn(serving, held);
  }

  /**
   * For the thread that started `deadThreadId`, once that thread has ended ('exit'): passes its
   * turn on if it held it, and withdraws the tickets it waited with. True if it held or waited
   * for a turn. Never call it for a thread that still runs: it would lose its turn while writing.
   */
  releaseIfHolder(deadThreadId: number): boolean {
    const dead = deadThreadId + 1;
    let found = false;
    for (let slot = 0; slot < WRITE_TURN_TICKETS_MAX; slot += 1) {
      const entry = Atomics.load(this.#tickets, slot);
      const owner = ownerOf(entry);
      if (owner === UNCLAIMED) continue;
      const ticket = ticketOf(entry);
      const after = ticketsAfter(ticket, Atomics.load(this.#counters, SERVING));
      if (after < 0) {
        // A finished turn whose thread died before it had cleared its entry.
        Atomics.compareExchange(this.#tickets, slot, entry, ticketEntry(ticket + WRITE_TURN_TICKETS_MAX, UNCLAIMED));
      } else if (owner === dead) {
        found = true;
        if (after === 0) Atomics.compareExchange(this.#counters, SERVING, ticket, (ticket + 1) | 0);
        // Its turn, if not yet come, is skipped when it comes; a finished one is cleared.
        if (after > 0) Atomics.compareExchange(this.#tickets, slot, entry, ticketEntry(ticket, ABANDONED));
        else Atomics.compareExchange(this.#tickets, slot, entry, ticketEntry(ticket + WRITE_TURN_TICKETS_MAX, UNCLAIMED));
      }
    }
    this.#skipAbandoned();
    Atomics.notify(this.#counters, SERVING);
    return found;
  }

  /**
   * Claims the entry of the next ticket; undefined when all entries are in use. Claiming writes the
   * owner with the ticket in one compare-and-swap; moving `NEXT` on is a second step, which any
   * thread that finds the entry claimed does for the claimer (it may have died in between).
   */
  #takeTicket(): number | undefined {
    for (;;) {
      const next = Atomics.load(this.#counters, NEXT);
      const slot = next & TICKET_MASK;
      const entry = Atomics.load(this.#tickets, slot);
      const entryAfter = ticketsAfter(ticketOf(entry), next);
      if (entryAfter < 0) return undefined;
      if (entryAfter > 0) continue;
      if (ownerOf(entry) === UNCLAIMED && Atomics.compareExchange(this.#tickets, slot, entry, ticketEntry(next, this.#self)) === entry) {
        Atomics.compareExchange(this.#counters, NEXT, next, (next + 1) | 0);
        return next;
      }
      Atomics.compareExchange(this.#counters, NEXT, next, (next + 1) | 0);
    }
  }

  /** Waits for `ticket`'s turn, or, with no ticket (all in use), for one, then for its turn. */
  async #waitForTurn(ticket: number | undefined): Promise<void> {
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    try {
      let mine = ticket;
      for (;;) {
        // Read before trying for a ticket: a turn passed on meanwhile ends the wait below at once.
        const serving = Atomics.load(this.#counters, SERVING);
        mine ??= this.#takeTicket();
        if (mine === serving) return;
        const wait = waitAsync(this.#counters, SERVING, serving);
        if (wait.async) await wait.value;
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Moves the turn from `serving` (whose entry is `held`) to the next ticket, and wakes the waiters. */
  #passOn(serving: number, held: bigint): void {
    Atomics.compareExchange(this.#counters, SERVING, serving, (serving + 1) | 0);
    Atomics.compareExchange(this.#tickets, serving & TICKET_MASK, held, ticketEntry(serving + WRITE_TURN_TICKETS_MAX, UNCLAIMED));
    this.#skipAbandoned();
    // After the entry is free again: a thread waiting for a free entry finds it when it wakes.
    Atomics.notify(this.#counters, SERVING);
  }

  /** Passes over the turns of tickets whose threads died waiting. */
  #skipAbandoned(): void {
    for (;;) {
      const serving = Atomics.load(this.#counters, SERVING);
      const slot = serving & TICKET_MASK;
      const abandoned = ticketEntry(serving, ABANDONED);
      if (Atomics.load(this.#tickets, slot) !== abandoned) return;
      if (Atomics.compareExchange(this.#counters, SERVING, serving, (serving + 1) | 0) === serving) {
        Atomics.compareExchange(this.#tickets, slot, abandoned, ticketEntry(serving + WRITE_TURN_TICKETS_MAX, UNCLAIMED));
      }
    }
  }
}

/**
 * One connection's share of a `SharedWriteTurn`: what its group committer and its driver take.
 * A connection runs one statement at a time, so while this thread holds the turn nothing else it
 * runs can meet another thread's lock, and every caller in the thread may go ahead: turns are
 * counted here, and the thread asks for the shared turn once, on the first, and gives it back on
 * the last. This is what lets the group committer hold the turn while it gathers a group and
 * then begin that group's transaction — which the driver also takes the turn for — without waiting
 * behind itself; and a plain transaction that already holds the connection, waiting for a turn the
 * group committer has asked for, shares that turn instead of queueing behind it for a connection
 * it holds itself.
 */
export class ConnectionWriteTurn {
  #depth = 0;
  #granted: Promise<void> = Promise.resolve();

  constructor(private readonly shared: SharedWriteTurn) {}

  acquire(): Promise<void> {
    this.#depth += 1;
    if (this.#depth === 1) this.#granted = this.shared.acquire();
    return this.#granted;
  }

  release(): void {
    if (this.#depth === 0) throw new Error('a connection released an SQLite write turn it does not hold');
    this.#depth -= 1;
    if (this.#depth === 0) this.shared.release();
  }
}
