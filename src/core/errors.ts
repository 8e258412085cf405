/**
 * Typed errors. Every error a user can meet says what is wrong and, where there is one, how to fix it (`hint`).
 * The CLI prints `message` (and `hint`) without a stack trace; `--verbose` shows the cause chain.
 */
export class CmaError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad command-line arguments or arguments to a public function: a person has to change what they typed. */
export class UsageError extends CmaError {}

/** One or more problems in the configuration (file, environment or flags); one line each. */
export class ConfigError extends CmaError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], source: string) {
    super(`Invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join("\n")}`, {
      hint: "See config.example.yaml for every key, its default and its allowed values.",
    });
    this.problems = problems;
  }
}

/** A local data file or database that cannot be read as expected. Nothing is overwritten when this is thrown. */
export class DataError extends CmaError {}

/** Not enough history to do what was asked. */
export class InsufficientDataError extends CmaError {}

// ---------- exchange ----------

export interface RequestInfo {
  readonly exchange: string;
  readonly method: string;
  readonly path: string;
}

/** Base of everything that went wrong talking to an exchange. */
export class ExchangeError extends CmaError {
  readonly request: RequestInfo | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown; request?: RequestInfo } = {}) {
    super(message, options);
    this.request = options.request;
  }
}

/** Connection refused/reset, DNS failure, timeout: the request may be retried. */
export class NetworkError extends ExchangeError {}

/** 5xx or a response we could not use after the retry cap was spent. */
export class ExchangeUnavailableError extends ExchangeError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly attempts: number,
    options: { hint?: string; cause?: unknown; request?: RequestInfo } = {},
  ) {
    super(message, options);
  }
}

/** The exchange answered with something that is not what its API documents (HTML page, truncated JSON, NaN). */
export class BadResponseError extends ExchangeError {}

/** A 4xx with the exchange's own error code; never retried, since the same request would fail the same way. */
export class ExchangeApiError extends ExchangeError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number | undefined,
    readonly exchangeMessage: string,
    options: { hint?: string; cause?: unknown; request?: RequestInfo } = {},
  ) {
    super(message, options);
  }
}

export class UnknownSymbolError extends ExchangeApiError {}
export class InvalidIntervalError extends ExchangeApiError {}

/** HTTP 429: over the request-weight limit. All requests to that host pause until `retryAfterMs` has passed. */
export class RateLimitError extends ExchangeError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options: { hint?: string; cause?: unknown; request?: RequestInfo } = {},
  ) {
    super(message, options);
  }
}

/** HTTP 418: the IP is banned until `bannedUntil` (epoch ms). No request is sent before then. */
export class IpBannedError extends ExchangeError {
  constructor(
    message: string,
    readonly bannedUntil: number,
    options: { hint?: string; cause?: unknown; request?: RequestInfo } = {},
  ) {
    super(message, options);
  }
}

/** Anything thrown, as one readable line plus an optional hint; used by the CLI's last-resort handler. */
export function describeError(err: unknown): { message: string; hint: string | undefined } {
  if (err instanceof CmaError) return { message: err.message, hint: err.hint };
  if (err instanceof Error) return { message: `${err.name}: ${err.message}`, hint: undefined };
  return { message: String(err), hint: undefined };
}
