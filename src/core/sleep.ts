/**
 * Waiting, made injectable: tests pass a sleep that advances a simulated clock instead of waiting for real, and
 * `close()` aborts every pending wait through the signal so no timer outlives the client.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real thing: a timer that is cleared, and the promise rejected with the signal's reason, on abort. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Calls an injected sleep but still honours the abort signal, for sleeps (like test ones) that ignore it, so a
 * closed client stops waiting at once either way.
 */
export function abortableSleep(sleep: Sleep, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (sleep === realSleep) return realSleep(ms, signal);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    // An injected sleep may resolve at once (simulated time). Yield to the event loop first, or a wait that loops
    // until responses in flight arrive would starve the very I/O it waits for.
    new Promise<void>((r) => setImmediate(r))
      .then(() => sleep(ms, signal))
      .then(
        () => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) reject(signal.reason);
          else resolve();
        },
        (err: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
  });
}
