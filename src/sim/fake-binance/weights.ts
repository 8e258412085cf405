/**
 * Request-weight accounting of one Binance host, as measured on the real thing: a fixed window per UTC clock minute
 * (not a sliding 60 s), the weight of every admitted request counted (a 400 too), HTTP 429 once the limit is passed,
 * and an automated IP ban (HTTP 418) for clients that keep sending while limited. Banned requests cost nothing.
 */
import { MINUTE } from "../../core/interval.js";

export type Admission =
  | { readonly kind: "ok" }
  | { readonly kind: "429"; readonly retryAfterSec: number }
  | { readonly kind: "418"; readonly retryAfterSec: number; readonly bannedUntil: number };

export interface WeightLimiterOptions {
  readonly limit: number;
  /** Requests accepted while limited (each answered 429) before the next one triggers a ban. */
  readonly requestsBefore418: number;
  readonly banSeconds: number;
}

export class WeightLimiter {
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;
  #total = 0;
  #limited = false;
  #requestsWhileLimited = 0;
  #bannedUntil = Number.NEGATIVE_INFINITY;

  constructor(readonly opts: WeightLimiterOptions) {}

  #roll(now: number): void {
    const start = Math.floor(now / MINUTE) * MINUTE;
    if (start !== this.#windowStart) {
      this.#windowStart = start;
      this.#used = 0;
      this.#limited = false;
      this.#requestsWhileLimited = 0;
    }
  }

  /** Weight used in the window containing `now`. */
  used(now: number): number {
    this.#roll(now);
    return this.#used;
  }

  get total(): number {
    return this.#total;
  }

  secondsToWindowEnd(now: number): number {
    this.#roll(now);
    return Math.max(1, Math.ceil((this.#windowStart + MINUTE - now) / 1000));
  }

  bannedUntil(now: number): number | undefined {
    return now < this.#bannedUntil ? this.#bannedUntil : undefined;
  }

  ban(now: number, seconds: number): void {
    this.#bannedUntil = Math.max(this.#bannedUntil, now + seconds * 1000);
  }

  /** Counts weight without a decision (requests answered by an injected fault that still reached Binance). */
  charge(weight: number, now: number): void {
    this.#roll(now);
    this.#used += weight;
    this.#total += weight;
  }

  /** Decides whether a request of `weight` is served, and charges it if it reaches the limiter. */
  admit(weight: number, now: number): Admission {
    this.#roll(now);
    const banned = this.bannedUntil(now);
    if (banned !== undefined)
      return { kind: "418", retryAfterSec: Math.ceil((banned - now) / 1000), bannedUntil: banned };
    if (this.#limited) {
      this.#requestsWhileLimited++;
      if (this.#requestsWhileLimited > this.opts.requestsBefore418) {
        this.ban(now, this.opts.banSeconds);
        return { kind: "418", retryAfterSec: this.opts.banSeconds, bannedUntil: now + this.opts.banSeconds * 1000 };
      }
    }
    this.charge(weight, now);
    if (this.#used > this.opts.limit) {
      this.#limited = true;
      return { kind: "429", retryAfterSec: this.secondsToWindowEnd(now) };
    }
    return { kind: "ok" };
  }

  reset(): void {
    this.#windowStart = Number.NEGATIVE_INFINITY;
    this.#used = 0;
    this.#total = 0;
    this.#limited = false;
    this.#requestsWhileLimited = 0;
    this.#bannedUntil = Number.NEGATIVE_INFINITY;
  }
}
