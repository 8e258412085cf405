/**
 * The request-weight budget of one exchange host: the single gate every REST request passes before it is sent.
 *
 * Binance counts request WEIGHT (not requests) per IP in fixed windows that reset at each UTC clock minute
 * (Binance's spot API docs, rest-api.md "LIMITS"; on futures as measured in [OBS-FUT], see binance/endpoints.ts).
 * This budget:
 * - admits a request only if it keeps every window it could land in at or below `limit × (1 − safetyMargin)`;
 *   requests that do not fit wait in a FIFO queue (a large request is never starved by small ones behind it);
 * - reserves the weight BEFORE the request is sent, so any number of concurrent callers cannot overshoot;
 * - never relies on the reset instant: our clock may be off from the server's by up to `clockToleranceMs`, so a
 *   request sent near a boundary is charged to BOTH windows it might land in, and a request still in flight when a
 *   new window starts is charged to that window too (the server counts it wherever it arrives);
 * - is corrected by the server's own count (`X-MBX-USED-WEIGHT-1M`), which also sees other programs on the same IP;
 * - pauses everything after a 429 until Retry-After, then lets ONE request probe before the rest follow (a burst
 *   into a still-limited window is how a 429 becomes a 418), and latches after a 418 (IP ban): no request is admitted before
 *   the ban ends, and waiting/new requests fail at once with IpBannedError instead of silently waiting for what can
 *   be days.
 */
import type { Clock } from "../../core/clock.js";
import { ExchangeError, IpBannedError, UsageError } from "../../core/errors.js";
import { type Logger, silentLogger } from "../../core/log.js";
import type { WeightUsage } from "../exchange.js";
import { abortableSleep, realSleep, type Sleep } from "../../core/sleep.js";

export interface WeightBudgetOptions {
  /** Weight allowed per window by the exchange. */
  readonly limit: number;
  /** Fraction of the limit never used (default 0.1): headroom for clock error, foreign traffic, weight-table drift. */
  readonly safetyMargin?: number;
  /** Window length (default 60 000 ms: Binance's REQUEST_WEIGHT per 1 MINUTE). */
  readonly windowMs?: number;
  /** How far our clock may be from the server's (default 1000 ms). */
  readonly clockToleranceMs?: number;
  /** Server-synced clock: windows are the server's. */
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly logger?: Logger;
  /** For messages, e.g. "Binance futures". */
  readonly name?: string;
}

export interface Reservation {
  readonly id: number;
  readonly weight: number;
  /** Clock time at which the weight was reserved (the request is sent right after). */
  readonly reservedAt: number;
}

interface Entry extends Reservation {
  /** Windows this reservation has been charged to. */
  readonly windows: Set<number>;
}

interface Waiter {
  readonly weight: number;
  readonly resolve: (r: Reservation) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * What the server's used-weight headers prove about one window. Its counter only grows within a window, so among
 * the requests that arrived in it, the one answered with the highest count arrived last, and that count includes
 * every one of them. A request charged to the window (it might have arrived in it) either arrived in it, and then
 * its header is one of those counts, or arrived in another window, and then it adds nothing here: either way, once
 * answered, it is covered by `max`, the highest header of any request charged here (a header from another window
 * only raises it). Whatever was charged and is not answered yet can add at most its own weight. A header that breaks
 * the rule (a request sent after `max` was known, answered with no more than that) makes the proof unusable:
 * `consistent` false.
 */
interface ServerCount {
  max: number;
  /** The last reservation made before `max` became known: any later one was sent after it was known. */
  knownAfter: number;
  /** Weight of the requests charged here that were answered with a header. */
  answered: number;
  consistent: boolean;
}

const WAKE = Symbol("wake");

export class WeightBudget {
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #logger: Logger;
  readonly #name: string;
  readonly #windowMs: number;
  readonly #tolerance: number;
  readonly #margin: number;
  #limit: number;

  readonly #charged = new Map<number, number>();
  readonly #settledCharged = new Map<number, number>();
  /** Weight the server reported beyond what we account for (other programs on this IP, in-flight races). */
  readonly #excess = new Map<number, number>();
  /** Per window, what the server's headers prove (ServerCount; used by #used). */
  readonly #counted = new Map<number, ServerCount>();
  readonly #inFlight = new Map<number, Entry>();
  readonly #queue: Waiter[] = [];
  #nextId = 1;
  #spent = 0;
  #requests = 0;
  #pausedUntil = 0;
  /** After a pause, the next request goes alone; the others wait until it has an answer. */
  #probeNeeded = false;
  #probeId: number | undefined;
  #bannedUntil = 0;
  #pumping = false;
  #closed = false;
  readonly #closeCtl = new AbortController();
  #wakeCtl = new AbortController();

  constructor(opts: WeightBudgetOptions) {
    this.#clock = opts.clock;
    this.#sleep = opts.sleep ?? realSleep;
    this.#logger = opts.logger ?? silentLogger;
    this.#name = opts.name ?? "exchange";
    this.#windowMs = opts.windowMs ?? 60_000;
    this.#tolerance = opts.clockToleranceMs ?? 1000;
    this.#margin = opts.safetyMargin ?? 0.1;
    if (!(this.#margin >= 0 && this.#margin < 1)) {
      throw new UsageError(`safetyMargin must be in [0, 1), got ${opts.safetyMargin}`);
    }
    if (!(this.#windowMs > 0) || !(this.#tolerance >= 0) || this.#tolerance * 2 >= this.#windowMs) {
      throw new UsageError(
        `windowMs (${this.#windowMs}) must be positive and more than twice clockToleranceMs (${this.#tolerance})`,
      );
    }
    this.#limit = WeightBudget.#checkLimit(opts.limit);
  }

  static #checkLimit(limit: number): number {
    if (!Number.isFinite(limit) || limit <= 0) throw new UsageError(`weight limit must be positive, got ${limit}`);
    return limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** The most weight this client lets itself use per window. */
  get usable(): number {
    return Math.floor(this.#limit * (1 - this.#margin));
  }

  get bannedUntil(): number | undefined {
    return this.#bannedUntil > this.#clock.now() ? this.#bannedUntil : undefined;
  }

  get pausedUntil(): number | undefined {
    return this.#pausedUntil > this.#clock.now() ? this.#pausedUntil : undefined;
  }

  /** The exchange told us its real limit (exchangeInfo rateLimits). */
  setLimit(limit: number): void {
    this.#limit = WeightBudget.#checkLimit(limit);
    this.#wake();
  }

  /**
   * Waits until `weight` fits, then reserves it. Call `settle()` exactly once when the request has finished (or
   * failed), with the server's used-weight header if there was one. `priority` puts a retried request at the head
   * of the queue: it already waited its turn once.
   */
  acquire(weight: number, opts: { priority?: boolean } = {}): Promise<Reservation> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (!Number.isFinite(weight) || weight < 0) {
      return Promise.reject(new UsageError(`request weight must be a non-negative number, got ${weight}`));
    }
    if (weight > this.usable) {
      return Promise.reject(
        new UsageError(
          `${this.#name}: a request of weight ${weight} can never fit the usable budget of ${this.usable} per window (limit ${this.#limit}, safety margin ${this.#margin})`,
          { hint: "Raise weightLimitPerMinute only if the exchange really allows more, or request less per call." },
        ),
      );
    }
    const banned = this.#bannedError();
    if (banned) return Promise.reject(banned);
    return new Promise<Reservation>((resolve, reject) => {
      const w: Waiter = { weight, resolve, reject };
      if (opts.priority) {
        this.#queue.unshift(w);
        this.#wake(); // it may fit where the head that the pump is waiting for did not
      } else this.#queue.push(w);
      void this.#pump();
    });
  }

  /** The request behind `r` has finished. `usedHeader`: the server's count for the window it landed in. */
  settle(r: Reservation, usedHeader?: number): void {
    const e = this.#inFlight.get(r.id);
    if (!e) return;
    const now = this.#clock.now();
    this.#chargeInFlight(e, now);
    this.#inFlight.delete(r.id);
    if (this.#probeId === r.id) {
      // The probe has its answer; if it was rate limited again, pauseUntil() (called after this) re-arms the probe.
      this.#probeId = undefined;
      this.#probeNeeded = false;
      this.#wake();
    }
    for (const w of e.windows) this.#settledCharged.set(w, (this.#settledCharged.get(w) ?? 0) + e.weight);
    if (usedHeader === undefined || !Number.isFinite(usedHeader) || usedHeader < 0) return;
    // The server counted this request in the window it arrived in, one of those it is charged to: in that one its
    // header is a count like any other, in the others it only raises the proof (see ServerCount).
    for (const w of e.windows) this.#countServer(w, e, usedHeader);
    // Only when its window is unambiguous can the server's count be compared with ours; straddling requests are
    // already charged to both windows.
    const first = this.#windowOf(e.reservedAt - this.#tolerance);
    const last = this.#windowOf(now + this.#tolerance);
    if (first !== last) return;
    const excess = usedHeader - (this.#settledCharged.get(first) ?? 0);
    if (excess > (this.#excess.get(first) ?? 0)) {
      this.#excess.set(first, excess);
      this.#logger.log("debug", `${this.#name}: server reports more weight used than this client sent`, {
        serverUsed: usedHeader,
        local: this.#charged.get(first) ?? 0,
      });
    }
  }

  /** HTTP 429: no request is admitted before `until`; queued ones wait and then continue. */
  pauseUntil(until: number): void {
    if (until > this.#pausedUntil) this.#pausedUntil = until;
    this.#probeNeeded = true;
    this.#wake();
  }

  /** HTTP 418: latch. Queued and new requests fail with IpBannedError until `until`; nothing is sent. */
  banUntil(until: number): void {
    if (until > this.#bannedUntil) this.#bannedUntil = until;
    const err = this.#bannedError();
    if (err) this.#rejectAll(err);
    this.#wake();
  }

  /** The next window start (plus the clock tolerance) after `t`: when a full window certainly has reset. */
  nextReset(t: number = this.#clock.now()): number {
    return (this.#windowOf(t) + 1) * this.#windowMs + this.#tolerance;
  }

  usage(): WeightUsage {
    const now = this.#clock.now();
    this.#refresh(now);
    return { used: this.#used(this.#windowOf(now)), limit: this.#limit, spent: this.#spent, requests: this.#requests };
  }

  /** Weight the budget counts against the window containing `t` (what the tests observe). */
  usedAt(t: number): number {
    this.#refresh(this.#clock.now());
    return this.#used(this.#windowOf(t));
  }

  get queued(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#rejectAll(this.#closedError());
    this.#closeCtl.abort(this.#closedError());
  }

  // ---------- internals ----------

  #windowOf(t: number): number {
    return Math.floor(t / this.#windowMs);
  }

  /** Windows a request sent at `t` might land in, given the clock tolerance. */
  #windowsAt(t: number): number[] {
    const a = this.#windowOf(t - this.#tolerance);
    const b = this.#windowOf(t + this.#tolerance);
    return a === b ? [a] : [a, b];
  }

  #countServer(w: number, e: Entry, header: number): void {
    const c = this.#counted.get(w);
    if (c === undefined) {
      this.#counted.set(w, { max: header, knownAfter: this.#nextId - 1, answered: e.weight, consistent: true });
      return;
    }
    // Sent after `max` was known, it arrived after that request: its count must be higher (every weight is ≥ 1).
    if (e.id > c.knownAfter && header <= c.max) c.consistent = false;
    c.answered += e.weight;
    if (header > c.max) {
      c.max = header;
      c.knownAfter = this.#nextId - 1;
    }
  }

  /**
   * Our count of a window: what we charged to it plus what the server reported beyond that, but never more than
   * its headers prove (the highest count plus everything not answered with a header of this window). The weight
   * table counts the higher of two sources where they disagree (binance/endpoints.ts), so without that proof a
   * cold start waited for a second minute that the server's own count did not need.
   */
  #used(w: number): number {
    const charged = this.#charged.get(w) ?? 0;
    const estimate = charged + Math.max(0, this.#excess.get(w) ?? 0);
    const c = this.#counted.get(w);
    if (c === undefined || !c.consistent) return estimate;
    return Math.min(estimate, c.max + Math.max(0, charged - c.answered));
  }

  #fits(weight: number, now: number): boolean {
    return this.#windowsAt(now).every((w) => this.#used(w) + weight <= this.usable);
  }

  /** Charges an in-flight request to every window from its send time to `now` (it may land in any of them). */
  #chargeInFlight(e: Entry, now: number): void {
    const last = this.#windowOf(now + this.#tolerance);
    for (let w = this.#windowOf(e.reservedAt - this.#tolerance); w <= last; w++) {
      if (e.windows.has(w)) continue;
      e.windows.add(w);
      this.#charged.set(w, (this.#charged.get(w) ?? 0) + e.weight);
    }
  }

  #refresh(now: number): void {
    for (const e of this.#inFlight.values()) this.#chargeInFlight(e, now);
    const oldest = this.#windowOf(now - this.#tolerance) - 1;
    for (const map of [this.#charged, this.#settledCharged, this.#excess, this.#counted]) {
      for (const w of map.keys()) if (w < oldest) map.delete(w);
    }
  }

  #reserve(weight: number, now: number): Reservation {
    const e: Entry = { id: this.#nextId++, weight, reservedAt: now, windows: new Set() };
    this.#inFlight.set(e.id, e);
    this.#chargeInFlight(e, now);
    this.#spent += weight;
    this.#requests++;
    return { id: e.id, weight, reservedAt: now };
  }

  #bannedError(): IpBannedError | undefined {
    const until = this.bannedUntil;
    if (until === undefined) return undefined;
    return new IpBannedError(
      `${this.#name} has banned this IP until ${new Date(until).toISOString()}; no request is sent before then`,
      until,
      {
        hint: "Binance bans an IP that keeps sending after HTTP 429. Nothing is sent until the ban ends. If it recurs, look for other programs using Binance from this IP and lower weightLimitPerMinute.",
      },
    );
  }

  #closedError(): ExchangeError {
    return new ExchangeError(`${this.#name} client is closed; no further requests are sent`);
  }

  #rejectAll(err: unknown): void {
    const waiters = this.#queue.splice(0);
    for (const w of waiters) w.reject(err);
  }

  #wake(): void {
    this.#wakeCtl.abort(WAKE);
  }

  async #wait(ms: number): Promise<void> {
    if (this.#wakeCtl.signal.aborted) this.#wakeCtl = new AbortController();
    const signal = AbortSignal.any([this.#closeCtl.signal, this.#wakeCtl.signal]);
    try {
      await abortableSleep(this.#sleep, Math.max(1, Math.ceil(ms)), signal);
    } catch (err) {
      if (err !== WAKE) throw err;
    }
  }

  /** Waits without a timer until wake() or close(). */
  async #waitForWake(): Promise<void> {
    if (this.#wakeCtl.signal.aborted) this.#wakeCtl = new AbortController();
    const signal = AbortSignal.any([this.#closeCtl.signal, this.#wakeCtl.signal]);
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener("abort", () => (signal.reason === WAKE ? resolve() : reject(signal.reason)), {
        once: true,
      });
    });
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    let loggedWaitFor: number | undefined;
    try {
      while (this.#queue.length > 0) {
        const now = this.#clock.now();
        const banned = this.#bannedError();
        if (banned) {
          this.#rejectAll(banned);
          break;
        }
        if (this.#pausedUntil > now) {
          await this.#wait(this.#pausedUntil - now);
          continue;
        }
        if (this.#probeId !== undefined) {
          await this.#waitForWake(); // settle() of the probe (the client always settles, even on failure)
          continue;
        }
        this.#refresh(now);
        const head = this.#queue[0]!;
        if (this.#fits(head.weight, now)) {
          this.#queue.shift();
          const r = this.#reserve(head.weight, now);
          if (this.#probeNeeded) this.#probeId = r.id;
          head.resolve(r);
          continue;
        }
        const wake = this.nextReset(now);
        if (loggedWaitFor !== wake) {
          loggedWaitFor = wake;
          this.#logger.log("debug", `${this.#name}: request-weight budget full, waiting for the next window`, {
            used: this.#used(this.#windowOf(now)),
            usable: this.usable,
            queued: this.#queue.length,
            waitMs: wake - now,
          });
        }
        await this.#wait(wake - now);
      }
    } catch (err) {
      // Only close() aborts a wait with a real reason.
      this.#rejectAll(err);
    } finally {
      this.#pumping = false;
    }
  }
}
