/**
 * A paper trade: the record the paper broker keeps for one signal, from entry fill to last exit. Plain JSON data
 * (finite numbers, null where a value is not available yet), so it is stored and exported as it is.
 * The arithmetic that derives P&L, R and the outcome from the fills lives here, in one place.
 */
import type { EpochMs, Price, Quantity, QuoteAmount, SymbolName } from "../core/units.js";
import type { Direction, Signal } from "../signals/signal.js";

export type ExitReason =
  | "target1"
  | "target2"
  | "target3"
  | "stop"
  | "breakeven_stop"
  | "time"
  | "end_of_data"
  | "manual";

/** The reasons a caller may close a trade with (the others come from the candles). */
export type CloseReason = "end_of_data" | "manual";

export type TradeOutcome = "WIN" | "LOSS" | "BREAKEVEN" | "OPEN";

export type TradeStatus = "OPEN" | "CLOSED";

/** One (partial) exit fill. */
export interface PaperExit {
  /** Epoch ms: the open time of the candle for a fill at its open (a gap), otherwise the close time of the candle. */
  readonly time: EpochMs;
  /** The fill price, slippage included. */
  readonly price: Price;
  readonly qty: Quantity;
  readonly reason: ExitReason;
  /** Taker fee paid on this fill (price × qty × taker_fee). */
  readonly fee: QuoteAmount;
}

export interface PaperTrade {
  readonly tradeId: string;
  readonly symbol: SymbolName;
  readonly direction: Direction;
  /** Entry fill price: the price passed in, moved against the trade by the slippage. */
  readonly entryPrice: Price;
  /** The current stop (the initial one, or the entry fill price once moved to break-even). */
  readonly stopLoss: Price;
  readonly initialStop: Price;
  /** T1. */
  readonly takeProfit: Price;
  readonly targets: readonly [Price, Price, Price];
  readonly entryTime: EpochMs;
  /** Null while OPEN. */
  readonly exitTime: EpochMs | null;
  /** Qty-weighted average price of all exits; null while OPEN. */
  readonly exitPrice: Price | null;
  /** Net P&L in quote after all fees; while OPEN, the realised part so far (partial exits less all fees paid). */
  readonly pnl: QuoteAmount;
  /** pnl / notional × 100. */
  readonly pnlPercent: number;
  readonly outcome: TradeOutcome;
  readonly signalData: Signal;
  readonly confidenceAtEntry: number;
  /** Things a reader of the trade should know: gap fills, candles whose intra-candle order had to be assumed. */
  readonly notes: readonly string[];
  readonly qty: Quantity;
  readonly remainingQty: Quantity;
  /** Entry notional in quote (entryPrice × qty). */
  readonly notional: QuoteAmount;
  /** Initial risk in quote: |entryPrice − initialStop| × qty. 1 R. */
  readonly initialRisk: QuoteAmount;
  /** All fees paid so far (entry and exits), quote. */
  readonly fees: QuoteAmount;
  /** What slippage cost so far, quote (entry, stop and market exits; gaps are the market's doing, not slippage). */
  readonly slippageCost: QuoteAmount;
  /** pnl / initialRisk. */
  readonly rMultiple: number;
  /** Maximum favourable excursion: the best price reached while open, distance from the entry (≥ 0). */
  readonly mfe: number;
  /** Maximum adverse excursion: the worst price reached while open, distance from the entry (≥ 0). */
  readonly mae: number;
  /** mfe in R (per unit of |entryPrice − initialStop|). */
  readonly mfeR: number;
  readonly maeR: number;
  /** Targets reached while open, 0..3. */
  readonly targetsHit: number;
  /** Candles whose outcome depended on the unknown order of their high and low, resolved by assumption. */
  readonly ambiguousCandles: number;
  readonly exits: readonly PaperExit[];
  /** Reason of the last exit; null while OPEN. */
  readonly exitReason: ExitReason | null;
  readonly status: TradeStatus;
  /** Close time of the last candle applied; later candles opening at or before it are ignored. Null before any. */
  readonly lastCandleCloseTime: EpochMs | null;
}

/** +1 for LONG, −1 for SHORT: a price move times this is a gain. */
export function sideOf(direction: Direction): 1 | -1 {
  return direction === "LONG" ? 1 : -1;
}

/**
 * Net P&L of the exits so far, after every fee paid (the whole entry fee included):
 * side × Σ (exit − entry) × exitQty − fees. For a closed LONG this is Σ exit proceeds − entry cost − fees.
 */
export function realisedPnl(t: Pick<PaperTrade, "direction" | "entryPrice" | "exits" | "fees">): number {
  const side = sideOf(t.direction);
  let gross = 0;
  for (const e of t.exits) gross += side * (e.price - t.entryPrice) * e.qty;
  return gross - t.fees;
}

/**
 * WIN / LOSS / BREAKEVEN by net P&L against ± epsilonR × initial risk, OPEN while open. Judged after fees, so a
 * break-even stop that pays two fees is BREAKEVEN, not a WIN, and a "win" smaller than its fees is not a WIN.
 */
export function outcomeOf(status: TradeStatus, pnl: number, initialRisk: number, epsilonR: number): TradeOutcome {
  if (status === "OPEN") return "OPEN";
  const eps = epsilonR * initialRisk;
  if (pnl > eps) return "WIN";
  if (pnl < -eps) return "LOSS";
  return "BREAKEVEN";
}

/** Qty-weighted average exit price, null without exits. */
export function averageExitPrice(exits: readonly PaperExit[]): number | null {
  let qty = 0;
  let value = 0;
  for (const e of exits) {
    qty += e.qty;
    value += e.price * e.qty;
  }
  return qty > 0 ? value / qty : null;
}

/** What happened to a trade while a candle (or a close) was applied, in the order it happened. */
export type PaperEvent =
  | { readonly kind: "exit"; readonly tradeId: string; readonly exit: PaperExit }
  | {
      readonly kind: "stop_moved";
      readonly tradeId: string;
      readonly time: number;
      readonly from: number;
      readonly to: number;
    }
  | {
      /**
       * A candle whose result depended on whether its high or its low came first. "finer_candles": replayed on the
       * finer candles given; "adverse_first": none were given, so the adverse extreme (the low of a LONG) was
       * assumed to come first, which puts a stop inside the candle before any target.
       */
      readonly kind: "ambiguous_candle";
      readonly tradeId: string;
      readonly candleOpenTime: number;
      readonly resolvedBy: "finer_candles" | "adverse_first";
    }
  | {
      readonly kind: "closed";
      readonly tradeId: string;
      readonly time: number;
      readonly outcome: Exclude<TradeOutcome, "OPEN">;
      readonly pnl: number;
      readonly rMultiple: number;
    };
