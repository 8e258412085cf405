/**
 * The paper broker's costs and trade-management rules, with documented defaults. The rules that use them are
 * described in paper-broker.ts. An option out of range is the caller's (or the config's) mistake: a UsageError naming
 * the option and the allowed range.
 */
import { UsageError } from "../core/errors.js";

/** Binance USDT-M futures taker fee at VIP 0 (0.05 %): the default, since the signals are traded as futures. */
export const FUTURES_TAKER_FEE = 0.0005;
/** Binance spot taker fee at VIP 0 without the BNB discount (0.1 %). */
export const SPOT_TAKER_FEE = 0.001;

/** The VIP 0 taker fee of a Binance market. */
export function defaultFeeFor(market: "spot" | "futures"): number {
  if (market === "spot") return SPOT_TAKER_FEE;
  if (market === "futures") return FUTURES_TAKER_FEE;
  throw new UsageError(`paper broker: market must be "spot" or "futures", got ${String(market)}.`);
}

export interface PaperBrokerOptions {
  /** Fee per fill as a fraction of its notional (default 0.0005, FUTURES_TAKER_FEE). Every fill pays it. */
  readonly taker_fee: number;
  /** Adverse slippage of market fills (entry, stops, time stop, closes) as a fraction (default 0.0002 = 2 bps). */
  readonly slippage: number;
  /** Quote amount of a 100 % position (default 1000); a signal's positionSizePct scales it. */
  readonly notional: number;
  /** Fractions of the original quantity closed at T1, T2 and T3 (default [0.5, 0.25, 0.25]); must sum to 1. */
  readonly partials: readonly [number, number, number];
  /** After T1 the stop moves to the entry fill price (default true). */
  readonly breakeven_after_t1: boolean;
  /** Close what is left at a candle's close once this many ms have passed since entry (default null: never). */
  readonly time_stop_ms: number | null;
  /**
   * A closed trade whose net P&L is within ± this many initial risks (R) is BREAKEVEN rather than WIN/LOSS
   * (default 0.05 R), so a break-even stop that nets a few cents of fees is not counted as a loss.
   */
  readonly breakeven_epsilon_r: number;
  /** Open trades allowed per symbol and direction (default 1); enforced by PaperBook. */
  readonly max_open_per_symbol_direction: number;
}

export type PaperBrokerOptionsInput = { readonly [K in keyof PaperBrokerOptions]?: PaperBrokerOptions[K] };

export const DEFAULT_PAPER_BROKER_OPTIONS: PaperBrokerOptions = {
  taker_fee: FUTURES_TAKER_FEE,
  slippage: 0.0002,
  notional: 1000,
  partials: [0.5, 0.25, 0.25],
  breakeven_after_t1: true,
  time_stop_ms: null,
  breakeven_epsilon_r: 0.05,
  max_open_per_symbol_direction: 1,
};

const WHAT = "paper broker";

function finite(name: string, v: unknown, min: number, max = Number.POSITIVE_INFINITY, minOpen = false): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || (minOpen && v === min) || v > max) {
    const range = max === Number.POSITIVE_INFINITY ? `${minOpen ? ">" : "≥"} ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`${WHAT}: option ${name} must be a finite number ${range}, got ${String(v)}.`);
  }
}

/** Defaults overlaid with `given` (undefined keys keep the default), validated. Resolving twice is harmless. */
export function resolvePaperBrokerOptions(given: PaperBrokerOptionsInput = {}): PaperBrokerOptions {
  const d = DEFAULT_PAPER_BROKER_OPTIONS;
  const o: PaperBrokerOptions = {
    taker_fee: given.taker_fee ?? d.taker_fee,
    slippage: given.slippage ?? d.slippage,
    notional: given.notional ?? d.notional,
    partials: given.partials ?? d.partials,
    breakeven_after_t1: given.breakeven_after_t1 ?? d.breakeven_after_t1,
    // null is a real value here ("no time stop"), so only undefined falls back to the default.
    time_stop_ms: given.time_stop_ms === undefined ? d.time_stop_ms : given.time_stop_ms,
    breakeven_epsilon_r: given.breakeven_epsilon_r ?? d.breakeven_epsilon_r,
    max_open_per_symbol_direction: given.max_open_per_symbol_direction ?? d.max_open_per_symbol_direction,
  };
  // 10 % per fill is far above any real exchange's fee or slippage: a larger value is a percent typed as a fraction.
  finite("taker_fee", o.taker_fee, 0, 0.1);
  finite("slippage", o.slippage, 0, 0.1);
  finite("notional", o.notional, 0, Number.POSITIVE_INFINITY, true);
  const p: unknown = o.partials;
  if (!Array.isArray(p) || p.length !== 3) {
    throw new UsageError(
      `${WHAT}: option partials must be three fractions (T1, T2, T3), e.g. [0.5, 0.25, 0.25], got ${JSON.stringify(p)}.`,
    );
  }
  for (const [i, v] of p.entries()) finite(`partials[${i}]`, v, 0, 1);
  const sum = o.partials[0] + o.partials[1] + o.partials[2];
  if (Math.abs(sum - 1) > 1e-9) {
    throw new UsageError(`${WHAT}: option partials must sum to 1 (the whole position), got ${sum}.`);
  }
  if (typeof o.breakeven_after_t1 !== "boolean") {
    throw new UsageError(
      `${WHAT}: option breakeven_after_t1 must be true or false, got ${String(o.breakeven_after_t1)}.`,
    );
  }
  const ts = o.time_stop_ms;
  if (ts !== null && (typeof ts !== "number" || !Number.isFinite(ts) || ts <= 0)) {
    throw new UsageError(
      `${WHAT}: option time_stop_ms must be a number of ms > 0, or null for no time stop, got ${String(ts)}.`,
    );
  }
  finite("breakeven_epsilon_r", o.breakeven_epsilon_r, 0, 1);
  const m = o.max_open_per_symbol_direction;
  if (typeof m !== "number" || !Number.isInteger(m) || m < 1) {
    throw new UsageError(`${WHAT}: option max_open_per_symbol_direction must be a whole number ≥ 1, got ${String(m)}.`);
  }
  return o;
}
