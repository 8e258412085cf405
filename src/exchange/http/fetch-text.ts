/**
 * One HTTP GET over the global fetch, reduced to what the retry logic needs: status, headers and the body as text.
 * Every way the transport can fail (timeout, reset, refused, DNS) becomes a NetworkError that says which; an abort
 * by the caller's signal (client closed) is re-thrown as its reason, never retried.
 */
import { NetworkError, type RequestInfo } from "../../core/errors.js";

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** Lower-cased media type without parameters, "" when absent. */
  readonly contentType: string;
}

export interface FetchTextOptions {
  readonly timeoutMs: number;
  /** Aborted when the client closes. */
  readonly signal: AbortSignal;
  readonly request: RequestInfo;
  readonly headers?: Record<string, string>;
}

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  // undici nests the socket error one or two levels deep (TypeError: fetch failed → cause → cause).
  for (let i = 0; i < 4 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function innermostMessage(err: unknown): string | undefined {
  let e: unknown = err;
  let message: string | undefined;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    message = e.message;
    e = e.cause;
  }
  return message;
}

function describeTransportError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === "TimeoutError") return `timed out after ${timeoutMs} ms`;
  const code = errorCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  switch (code) {
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return `connection dropped (${code})`;
    case "ECONNREFUSED":
      return "connection refused (ECONNREFUSED)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host name could not be resolved (${code})`;
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connect timed out (UND_ERR_CONNECT_TIMEOUT)";
    default: {
      if (code) return `${msg} (${code})`;
      // Without a code the useful part is the innermost message (e.g. fetch's "bad port" for blocked ports).
      const inner = innermostMessage(err);
      return inner && inner !== msg ? `${msg}: ${inner}` : msg;
    }
  }
}

export async function fetchText(url: string, opts: FetchTextOptions): Promise<RawResponse> {
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  try {
    const res = await fetch(url, { method: "GET", headers: opts.headers ?? {}, signal });
    // Reading the body is under the same signal: a stalled body times out like a stalled connect.
    const body = await res.text();
    const ct = res.headers.get("content-type") ?? "";
    return { status: res.status, headers: res.headers, body, contentType: ct.split(";")[0]!.trim().toLowerCase() };
  } catch (err) {
    if (opts.signal.aborted) throw opts.signal.reason;
    throw new NetworkError(
      `${opts.request.method} ${opts.request.path}: ${describeTransportError(err, opts.timeoutMs)}`,
      {
        cause: err,
        request: opts.request,
      },
    );
  }
}

/** Why a 2xx body is unusable as JSON, or undefined if it parsed. HTML and truncation come from proxies/CDNs. */
export function decodeJson(raw: RawResponse): { ok: true; value: unknown } | { ok: false; problem: string } {
  const text = raw.body.trimStart();
  if (raw.contentType === "text/html" || text.startsWith("<")) {
    const title = /<title>([^<]{0,120})<\/title>/i.exec(text)?.[1]?.trim();
    return { ok: false, problem: `an HTML page instead of JSON${title ? ` ("${title}")` : ""}` };
  }
  if (text === "") return { ok: false, problem: "an empty body instead of JSON" };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return {
      ok: false,
      problem: `truncated or invalid JSON (${raw.body.length} bytes, ending ${JSON.stringify(raw.body.slice(-24))})`,
    };
  }
}

/** Retry-After in ms from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent/garbled. */
export function parseRetryAfter(headers: Headers, now: number): number | undefined {
  const v = headers.get("retry-after")?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
