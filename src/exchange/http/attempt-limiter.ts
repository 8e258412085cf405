/**
 * A sliding-window cap on connection attempts. Binance allows 300 WebSocket connection attempts per 5 minutes per
 * IP (its spot API docs, web-socket-streams.md); a reconnect storm (flapping network, many connections) must queue
 * rather than cross it. Uses the machine's monotonic time: it guards real sockets, so it runs on real time.
 */
import { realSleep, type Sleep } from "../../core/sleep.js";

export class AttemptLimiter {
  readonly #stamps: number[] = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: Sleep = realSleep,
  ) {
    if (!(max >= 1) || !(windowMs > 0)) throw new RangeError(`AttemptLimiter needs max >= 1 and windowMs > 0`);
  }

  /** Attempts counted in the current window. */
  get recent(): number {
    this.#prune(this.now());
    return this.#stamps.length;
  }

  /** Resolves when one more attempt fits; attempts are granted in call order. */
  acquire(signal?: AbortSignal): Promise<void> {
    const next = this.#chain.then(() => this.#take(signal));
    // A rejected (aborted) wait must not block the ones behind it.
    this.#chain = next.catch(() => {});
    return next;
  }

  async #take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const now = this.now();
      this.#prune(now);
      if (this.#stamps.length < this.max) {
        this.#stamps.push(now);
        return;
      }
      await this.sleep(this.#stamps[0]! + this.windowMs - now + 1, signal);
    }
  }

  #prune(now: number): void {
    while (this.#stamps.length > 0 && this.#stamps[0]! <= now - this.windowMs) this.#stamps.shift();
  }
}

const limiters = new Map<string, AttemptLimiter>();

/** One limiter per host per process: the exchange counts attempts per IP, not per object. */
export function sharedAttemptLimiter(host: string, max: number, windowMs: number): AttemptLimiter {
  let l = limiters.get(host);
  if (!l) {
    l = new AttemptLimiter(max, windowMs);
    limiters.set(host, l);
  }
  return l;
}
