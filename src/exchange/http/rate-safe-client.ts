/**
 * The rate-safe REST client: every request goes budget → fetch → verdict, and the verdict decides between
 * returning, retrying with backoff, pausing the whole host, or stopping dead.
 *
 * What an exchange's responses mean (which status is a ban, where the used weight is reported, which error codes
 * exist) is its `ResponsePolicy`; the mechanics here are exchange-neutral.
 *
 * Retry rules:
 * - 5xx, 408, timeouts and dropped connections: exponential backoff with full jitter, at most `maxRetries` retries,
 *   then ExchangeUnavailableError carrying the last status and the number of attempts.
 * - HTML pages / truncated JSON with a 2xx status (proxies, CDNs): retried at most `maxBadBodyRetries` times, then
 *   BadResponseError. A well-formed body of the wrong shape is not retried: the same request would get the same.
 * - Rate limited (429): every request to the host pauses until Retry-After (or the next window), then this one is
 *   retried first; after `maxRateLimitRetries` in a row, RateLimitError.
 * - Banned (418): the budget latches and this and every other request fails with IpBannedError until the ban ends.
 * - Anything else the policy calls fatal (4xx with an exchange error code): thrown as is, never retried.
 * Every attempt, retries included, is charged to the weight budget: the exchange charges failed requests too.
 */
import type { Clock } from "../../core/clock.js";
import {
  BadResponseError,
  ExchangeError,
  ExchangeUnavailableError,
  IpBannedError,
  NetworkError,
  RateLimitError,
  type RequestInfo,
} from "../../core/errors.js";
import { type Logger, silentLogger } from "../../core/log.js";
import { type BackoffOptions, DEFAULT_BACKOFF, fullJitterDelay } from "./backoff.js";
import { decodeJson, fetchText, type RawResponse } from "./fetch-text.js";
import { abortableSleep, realSleep, type Sleep } from "../../core/sleep.js";
import type { WeightBudget } from "./weight-budget.js";

export type Verdict =
  | { readonly kind: "ok"; readonly body: unknown }
  /** Over the rate limit; `retryAfterMs` undefined → wait for the next window. */
  | { readonly kind: "rate-limited"; readonly retryAfterMs: number | undefined; readonly detail: string }
  | { readonly kind: "banned"; readonly until: number; readonly retryAfterMs: number; readonly detail: string }
  | { readonly kind: "retry"; readonly detail: string; readonly status: number; readonly badBody?: boolean }
  | { readonly kind: "fail"; readonly error: Error };

export interface VerdictContext {
  readonly now: number;
  readonly request: RequestInfo;
  readonly query: Readonly<Record<string, string | number | undefined>>;
  /** The body as JSON, or why it is not JSON. */
  readonly json: { ok: true; value: unknown } | { ok: false; problem: string };
}

export interface ResponsePolicy {
  /** The server's count of weight used in the current window, if the response reports it. */
  usedWeight(headers: Headers): number | undefined;
  verdict(res: RawResponse, ctx: VerdictContext): Verdict;
}

export interface RateSafeClientOptions {
  readonly baseUrl: string;
  /** "binance" — goes into RequestInfo. */
  readonly exchange: string;
  /** "Binance" — the name in user-facing messages. */
  readonly exchangeName: string;
  /** "Binance futures" — prefixes messages about this host. */
  readonly label: string;
  readonly budget: WeightBudget;
  readonly policy: ResponsePolicy;
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Retries after 5xx/timeouts/drops (default 4, so 5 attempts). */
  readonly maxRetries?: number;
  readonly maxBadBodyRetries?: number;
  readonly maxRateLimitRetries?: number;
  readonly requestTimeoutMs?: number;
  readonly backoff?: Partial<BackoffOptions>;
}

export interface GetRequest<T> {
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly weight: number;
  /** Validates and converts the JSON body; throws BadResponseError naming what is wrong. */
  readonly parse: (body: unknown, meta: { sentAt: number }) => T;
}

export interface GetResult<T> {
  readonly value: T;
  /** Clock time when the request was sent; the server answered at or after it. */
  readonly sentAt: number;
  readonly receivedAt: number;
}

export function buildUrl(base: string, path: string, query?: GetRequest<unknown>["query"]): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.append(k, String(v));
  const qs = params.toString();
  return `${base.replace(/\/+$/, "")}${path}${qs ? `?${qs}` : ""}`;
}

export class RateSafeClient {
  readonly #o: RateSafeClientOptions;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #backoff: BackoffOptions;
  readonly #maxRetries: number;
  readonly #maxBadBody: number;
  readonly #maxRateLimited: number;
  readonly #timeoutMs: number;
  readonly #closeCtl = new AbortController();

  constructor(opts: RateSafeClientOptions) {
    this.#o = opts;
    this.#sleep = opts.sleep ?? realSleep;
    this.#random = opts.random ?? Math.random;
    this.#logger = opts.logger ?? silentLogger;
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.#maxRetries = opts.maxRetries ?? 4;
    this.#maxBadBody = opts.maxBadBodyRetries ?? 2;
    this.#maxRateLimited = opts.maxRateLimitRetries ?? 3;
    this.#timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  get budget(): WeightBudget {
    return this.#o.budget;
  }

  async get<T>(req: GetRequest<T>): Promise<GetResult<T>> {
    const o = this.#o;
    const info: RequestInfo = { exchange: o.exchange, method: "GET", path: req.path };
    const what = `${o.label} GET ${req.path}`;
    const url = buildUrl(o.baseUrl, req.path, req.query);
    let failures = 0;
    let badBodies = 0;
    let rateLimited = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.#closeCtl.signal.aborted) throw this.#closeCtl.signal.reason;
      const reservation = await o.budget.acquire(req.weight, { priority: attempt > 1 });
      const sentAt = o.clock.now();
      let raw: RawResponse | undefined;
      let transportError: unknown;
      try {
        raw = await fetchText(url, {
          timeoutMs: this.#timeoutMs,
          signal: this.#closeCtl.signal,
          request: info,
          headers: { accept: "application/json" },
        });
      } catch (err) {
        transportError = err;
      } finally {
        const used = raw ? o.policy.usedWeight(raw.headers) : undefined;
        o.budget.settle(reservation, used);
      }
      const receivedAt = o.clock.now();

      if (raw === undefined) {
        if (!(transportError instanceof NetworkError)) throw transportError;
        failures++;
        if (failures > this.#maxRetries)
          throw this.#unavailable(what, transportError.message, undefined, attempt, info, transportError);
        await this.#backoffSleep(what, failures, transportError.message, undefined);
        continue;
      }

      const v = o.policy.verdict(raw, {
        now: receivedAt,
        request: info,
        query: req.query ?? {},
        json: decodeJson(raw),
      });
      switch (v.kind) {
        case "ok": {
          let value: T;
          try {
            value = req.parse(v.body, { sentAt });
          } catch (err) {
            if (err instanceof ExchangeError) throw err;
            throw new BadResponseError(`${what} returned an unusable response: ${(err as Error).message}`, {
              cause: err,
              request: info,
            });
          }
          return { value, sentAt, receivedAt };
        }
        case "rate-limited": {
          rateLimited++;
          const until = v.retryAfterMs !== undefined ? receivedAt + v.retryAfterMs : o.budget.nextReset(receivedAt);
          o.budget.pauseUntil(until);
          this.#logger.log("warn", `${o.exchangeName} rate limit hit; all ${o.label} requests are paused`, {
            path: req.path,
            detail: v.detail,
            until: new Date(until).toISOString(),
            pauseMs: until - receivedAt,
          });
          if (rateLimited > this.#maxRateLimited) {
            throw new RateLimitError(
              `${what} was rate limited ${rateLimited} times in a row (${v.detail})`,
              until - receivedAt,
              {
                request: info,
                hint: "Something else on this IP is probably using the same budget; stop it or lower weightLimitPerMinute.",
              },
            );
          }
          continue;
        }
        case "banned": {
          o.budget.banUntil(v.until);
          const iso = new Date(v.until).toISOString();
          const secs = Math.round(v.retryAfterMs / 1000);
          this.#logger.log(
            "error",
            `${o.exchangeName} has banned this IP until ${iso} (Retry-After ${secs} s); all requests are paused`,
            { label: o.label, path: req.path, detail: v.detail },
          );
          throw new IpBannedError(
            `${o.exchangeName} has banned this IP until ${iso} (Retry-After ${secs} s); no request is sent before then`,
            v.until,
            {
              request: info,
              hint: "Binance bans an IP that keeps sending after HTTP 429. Nothing is sent until the ban ends. If it recurs, look for other programs using Binance from this IP and lower weightLimitPerMinute.",
            },
          );
        }
        case "retry": {
          if (v.badBody) {
            badBodies++;
            if (badBodies > this.#maxBadBody) {
              throw new BadResponseError(`${what} returned ${v.detail} (${badBodies} times; giving up)`, {
                request: info,
                hint: "A proxy, firewall or captive portal between you and the exchange may be rewriting responses.",
              });
            }
            await this.#backoffSleep(what, badBodies, v.detail, v.status);
            continue;
          }
          failures++;
          if (failures > this.#maxRetries) throw this.#unavailable(what, v.detail, v.status, attempt, info);
          await this.#backoffSleep(what, failures, v.detail, v.status);
          continue;
        }
        case "fail":
          throw v.error;
      }
    }
  }

  /** Aborts requests in flight and every backoff wait. The budget belongs to whoever created it. */
  close(): void {
    if (!this.#closeCtl.signal.aborted) {
      this.#closeCtl.abort(new ExchangeError(`${this.#o.label} client is closed; no further requests are sent`));
    }
  }

  #unavailable(
    what: string,
    detail: string,
    status: number | undefined,
    attempts: number,
    request: RequestInfo,
    cause?: unknown,
  ): ExchangeUnavailableError {
    return new ExchangeUnavailableError(`${what} failed after ${attempts} attempts: ${detail}`, status, attempts, {
      request,
      cause,
      hint:
        status === undefined
          ? `Check your internet connection; if it works, ${this.#o.exchangeName} may be unreachable from here. Try again in a few minutes.`
          : `${this.#o.exchangeName} is having trouble (HTTP ${status}). Try again in a few minutes.`,
    });
  }

  async #backoffSleep(what: string, failures: number, detail: string, status: number | undefined): Promise<void> {
    const delay = fullJitterDelay(failures - 1, this.#backoff, this.#random);
    this.#logger.log("warn", `${what} failed; retrying`, { detail, status, retry: failures, delayMs: delay });
    await abortableSleep(this.#sleep, delay, this.#closeCtl.signal);
  }
}
