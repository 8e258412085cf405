/**
 * Exponential backoff with FULL jitter (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): the delay is
 * uniform in [0, min(max, base * 2^attempt)]. Full jitter spreads many clients (or many of our own requests that
 * failed together) evenly over the window instead of having them retry in lock-step.
 */
export interface BackoffOptions {
  /** Upper bound of the first retry's delay. */
  readonly baseMs: number;
  /** Cap of the exponential growth. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/** The cap for a given attempt (0-based: attempt 0 is the first retry). */
export function backoffCeiling(attempt: number, opts: BackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`backoff attempt must be >= 0, got ${attempt}`);
  // 2^attempt overflows to Infinity for huge attempts; min() keeps the result finite.
  return Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 1024));
}

/** A random delay in [0, ceiling(attempt)]; `random` returns values in [0, 1) like Math.random. */
export function fullJitterDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return Math.round(unit * backoffCeiling(attempt, opts));
}
