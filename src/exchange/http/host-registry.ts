/**
 * One weight budget (and one server clock) per exchange host per process. Binance limits by IP, so two adapters
 * for the same host in one process (say a sync and a live stream back-fill) must draw from one budget, not each
 * believe they own the whole limit; and they talk to the same server, so they share its measured clock offset.
 * The shared state lives while at least one holder has not released it; the first holder's options (local clock,
 * sleep, limit, margin) configure it.
 */
const shared = new Map<string, { value: unknown; holders: number; dispose: () => void }>();

export interface Lease<T> {
  readonly value: T;
  /** Idempotent. The last release disposes of the shared value. */
  release(): void;
}

export function leaseShared<T>(key: string, create: () => T, dispose: (value: T) => void): Lease<T> {
  let entry = shared.get(key);
  if (!entry) {
    const value = create();
    entry = { value, holders: 0, dispose: () => dispose(value) };
    shared.set(key, entry);
  }
  entry.holders++;
  const e = entry;
  let released = false;
  return {
    value: e.value as T,
    release() {
      if (released) return;
      released = true;
      e.holders--;
      if (e.holders === 0) {
        if (shared.get(key) === e) shared.delete(key);
        e.dispose();
      }
    },
  };
}
