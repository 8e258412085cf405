/**
 * Keeps the same setup from being re-announced every cycle: after a signal for a symbol and direction, further
 * signals for that pair are suppressed until `durationMs` has passed. Pure in time (the caller passes the time), so
 * it behaves the same live, in replays and in tests. The opposite direction is never suppressed: a reversal is news.
 */
import { UsageError } from "../core/errors.js";
import type { Direction, Signal } from "./signal.js";

export class SignalCooldown {
  private readonly last = new Map<string, number>();

  constructor(readonly durationMs: number) {
    if (typeof durationMs !== "number" || !Number.isFinite(durationMs) || durationMs < 0) {
      throw new UsageError(`signal cooldown: duration must be a finite number of ms ≥ 0, got ${String(durationMs)}.`);
    }
  }

  /** True when no signal for this symbol and direction was recorded within durationMs before `time`. */
  allow(symbol: string, direction: Direction, time: number): boolean {
    return this.remainingMs(symbol, direction, time) === 0;
  }

  /** Ms until the pair may be announced again (0 = now). A time before the last record counts as within it. */
  remainingMs(symbol: string, direction: Direction, time: number): number {
    checkTime(time);
    const last = this.last.get(key(symbol, direction));
    if (last === undefined) return 0;
    return Math.max(0, last + this.durationMs - time);
  }

  /** Remembers an announcement; the later of the recorded times wins (replays may arrive out of order). */
  record(symbol: string, direction: Direction, time: number): void {
    checkTime(time);
    const k = key(symbol, direction);
    this.last.set(k, Math.max(this.last.get(k) ?? Number.NEGATIVE_INFINITY, time));
  }

  /** allow() then record() when allowed: true when the signal should be announced. */
  admit(signal: Pick<Signal, "symbol" | "direction" | "time">): boolean {
    checkTime(signal.time);
    if (!this.allow(signal.symbol, signal.direction, signal.time)) return false;
    this.record(signal.symbol, signal.direction, signal.time);
    return true;
  }

  clear(): void {
    this.last.clear();
  }
}

const key = (symbol: string, direction: Direction) => `${symbol}\u0000${direction}`;

function checkTime(time: number): void {
  if (typeof time !== "number" || !Number.isFinite(time)) {
    throw new UsageError(`signal cooldown: time must be epoch ms, got ${String(time)}.`);
  }
}
