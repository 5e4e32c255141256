/**
 * A promise that settles at the first SIGINT or SIGTERM, and a way to stop listening. While it is
 * armed the signals no longer kill the process, so the host can stop in order; a second signal
 * during the stop is only reported (the stop itself is bounded by the channel's drain timeout).
 */
export interface StopSignal {
  readonly requested: Promise<void>;
  dispose(): void;
}

export function onStopSignal(report: (text: string) => void): StopSignal {
  let signalled = false;
  let resolveRequested: () => void = () => undefined;
  const requested = new Promise<void>((resolve) => {
    resolveRequested = resolve;
  });
  const listener = (signal: NodeJS.Signals): void => {
    if (signalled) {
      report(`${signal} again: the host is already stopping (bounded by the drain timeout)\n`);
      return;
    }
    signalled = true;
    report(`${signal}: stopping the host\n`);
    resolveRequested();
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return {
    requested,
    dispose() {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    },
  };
}
