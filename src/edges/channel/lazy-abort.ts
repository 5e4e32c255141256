/**
 * An abort controller made only when someone asks for its signal. Every request gets one, so that
 * a handler can stop work the connection no longer wants; the host's pipeline never reads it, and
 * an `AbortController` with its `AbortSignal` (an `EventTarget`) costs more to make than a small
 * request's whole dispatch. Aborting before the signal was asked for is remembered: a signal asked
 * for afterwards comes already aborted.
 */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort();
  }
}
