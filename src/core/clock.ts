/**
 * The one source of "now". Live code follows the exchange's server time; replays, backtests, the demo and tests
 * use a simulated clock. Nothing else in the system reads the wall clock.
 */
import type { Sleep } from "./sleep.js";
import type { EpochMs } from "./units.js";

export interface Clock {
  now(): EpochMs;
}

/** The machine's clock corrected by an offset measured against the exchange (serverTime - localTime). */
export class OffsetClock implements Clock {
  #offset = 0;
  constructor(private readonly local: () => number = Date.now) {}
  now(): number {
    return this.local() + this.#offset;
  }
  get offsetMs(): number {
    return this.#offset;
  }
  /** Called with a server time observed half-way through a request that took `roundTripMs`. */
  sync(serverTime: number, localSentAt: number, localReceivedAt: number): void {
    // Whole milliseconds: times go into request parameters, and Binance rejects "…5.5" (-1100 ILLEGAL_CHARS).
    this.#offset = Math.round(serverTime - (localSentAt + localReceivedAt) / 2);
  }
}

/** A clock that only moves when told to. Time never goes backwards. */
export class SimulatedClock implements Clock {
  #now: number;
  constructor(start: number) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  set(t: number): void {
    if (t < this.#now) throw new RangeError(`SimulatedClock cannot go back from ${this.#now} to ${t}`);
    this.#now = t;
  }
  advance(ms: number): void {
    this.set(this.#now + ms);
  }
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The machine's clock and timers. Live code takes them injected, so a bench can run the live system on a clock
 * faster than real time (timers shortened to match) with nothing else changed.
 */
export interface MachineTime {
  readonly clock: Clock;
  readonly sleep: Sleep;
}
