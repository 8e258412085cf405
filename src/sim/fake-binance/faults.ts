/**
 * Injected failures, so clients can be tested against what the real path to Binance does on a bad day: proxy error
 * pages, cut-off bodies, NaN prices, changed shapes, 5xx, dropped connections, slow answers, rate limits and bans.
 * Each fault answers the next `times` matching requests (default 1), oldest fault first.
 */
import { UsageError } from "../../core/errors.js";
import type { MarketType } from "../../exchange/exchange.js";

export type Fault = {
  market?: MarketType;
  /** Exact request path, e.g. "/api/v3/klines"; a trailing "*" matches a prefix. Any path when omitted. */
  path?: string;
  times?: number;
} & (
  | { kind: "html"; status?: number }
  | { kind: "truncated" }
  /** `value` replaces one price (default "NaN"; e.g. "abc", "" or "Infinity"). */
  | { kind: "nan"; value?: string }
  | { kind: "wrong-shape" }
  | { kind: "status"; status: number; code?: number; msg?: string }
  | { kind: "drop" }
  | { kind: "delay"; ms: number }
  | { kind: "429"; retryAfterSec?: number }
  | { kind: "418"; retryAfterSec?: number }
);

interface Queued {
  readonly fault: Fault;
  left: number;
}

function validate(f: Fault): void {
  const times = f.times ?? 1;
  if (!Number.isInteger(times) || times < 1)
    throw new UsageError(`Fault "${f.kind}": times must be a positive integer`);
  if (f.kind === "delay" && !(f.ms >= 0)) throw new UsageError(`Fault "delay": ms must be >= 0, got ${f.ms}`);
  if ((f.kind === "status" || f.kind === "html") && f.status !== undefined) {
    if (!Number.isInteger(f.status) || f.status < 100 || f.status > 599) {
      throw new UsageError(`Fault "${f.kind}": status must be an HTTP status code, got ${f.status}`);
    }
  }
}

export class FaultQueue {
  #queue: Queued[] = [];

  add(fault: Fault): void {
    validate(fault);
    this.#queue.push({ fault, left: fault.times ?? 1 });
  }

  /** The first fault matching this request, counted as used once. */
  take(market: MarketType, path: string): Fault | undefined {
    const i = this.#queue.findIndex((q) => matches(q.fault, market, path));
    const q = this.#queue[i];
    if (!q) return undefined;
    q.left--;
    if (q.left <= 0) this.#queue.splice(i, 1);
    return q.fault;
  }

  get pending(): number {
    return this.#queue.length;
  }

  clear(): void {
    this.#queue = [];
  }
}

function matches(f: Fault, market: MarketType, path: string): boolean {
  if (f.market !== undefined && f.market !== market) return false;
  if (f.path === undefined) return true;
  return f.path.endsWith("*") ? path.startsWith(f.path.slice(0, -1)) : f.path === path;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "OK",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Temporarily Unavailable",
  504: "Gateway Time-out",
};

/** The kind of page a CDN or reverse proxy sends instead of Binance's JSON. */
export function htmlPage(status: number): string {
  const title = `${status} ${STATUS_TEXT[status] ?? "Error"}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

const PRICE_KEYS = ["lastPrice", "price", "bidPrice", "close", "c", "openPrice", "highPrice"];

/**
 * Replaces one price with `value`: the close of the last kline row, a ticker's lastPrice/price, the best bid of a
 * depth reply. Returns the body unchanged when it holds no price.
 */
export function corruptPrice(body: unknown, value: string): unknown {
  if (Array.isArray(body)) {
    const last = body[body.length - 1];
    if (Array.isArray(last) && last.length >= 5) {
      const row = last.slice();
      row[4] = value;
      return [...body.slice(0, -1), row];
    }
    if (last && typeof last === "object") return [...body.slice(0, -1), corruptPrice(last, value)];
    return body;
  }
  if (body && typeof body === "object") {
    const obj = body as Record<string, unknown>;
    for (const k of PRICE_KEYS) if (typeof obj[k] === "string") return { ...obj, [k]: value };
    const bids = obj.bids;
    if (Array.isArray(bids) && Array.isArray(bids[0])) {
      return { ...obj, bids: [[value, (bids[0] as unknown[])[1]], ...bids.slice(1)] };
    }
  }
  return body;
}

/** An object where an array is expected and vice versa: what an API version change or a captive portal looks like. */
export function wrongShape(body: unknown): unknown {
  if (Array.isArray(body)) return Object.fromEntries(body.map((v, i) => [String(i), v]));
  return [body];
}

/** The first half of a JSON text (at least one character short), as when a connection drops mid-body. */
export function truncateJson(text: string): string {
  return text.slice(0, Math.max(1, Math.min(text.length - 1, Math.floor(text.length / 2))));
}
