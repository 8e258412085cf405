/**
 * The paper broker: trades a signal on paper against closed candles. A pure state machine: no I/O, no clock, the
 * time comes from the candles, and every function returns a new trade without touching the one it was given.
 *
 * Fills
 * - Entry: a market order at the next available price (the caller passes it), moved against the trade by
 *   `slippage`. Quantity = notional × positionSizePct / 100 / fill.
 * - Targets fill at the target price without slippage: they are resting limit orders, which fill at their price or
 *   better, never worse. If a candle OPENS beyond a target (a gap), it fills at the open, which is better.
 * - Stops, the time stop and manual / end-of-data closes are market orders: they fill at the trigger price moved
 *   against the trade by `slippage`. If a candle OPENS beyond the stop, the stop fills at that open (worse) and the
 *   slippage comes on top; the gap itself is counted as market risk, not as slippage cost.
 * - Every fill pays `taker_fee` on its notional. A fill at a candle's open is timed at the candle's open time; any
 *   other fill at the candle's close time, the first moment a candle-driven broker can know of it.
 *
 * Inside one candle only its open, high, low and close are known. A candle is walked as the path
 * open → adverse extreme → favourable extreme → close (for a LONG: open → low → high → close). That assumption only
 * matters when the result depends on the order of the high and the low: a stop and a not-yet-hit target both inside
 * the candle (the stop is taken first), or T1 and the new break-even stop both inside it (the stop is not taken).
 * Such a candle is counted in `ambiguousCandles` — unless finer candles covering it are given, in which case they
 * are replayed, in order, by the same rules.
 */
import { type Candle, assertValidCandle } from "../core/candle.js";
import { UsageError } from "../core/errors.js";
import type { Interval } from "../core/interval.js";
import type { Direction, Signal } from "../signals/signal.js";
import {
  type PaperBrokerOptions,
  type PaperBrokerOptionsInput,
  resolvePaperBrokerOptions,
} from "./paper-broker-options.js";
import {
  averageExitPrice,
  type CloseReason,
  type ExitReason,
  outcomeOf,
  type PaperEvent,
  type PaperExit,
  type PaperTrade,
  realisedPnl,
  sideOf,
} from "./paper-trade.js";

/** A trade after a step, and what happened during it. */
export interface PaperStep {
  readonly trade: PaperTrade;
  readonly events: readonly PaperEvent[];
}

const WHAT = "paper broker";

// ---------- opening ----------

/**
 * Why a trade on `signal` cannot be opened at `fillPrice` (before slippage), or null when it can. A price already at
 * or beyond the stop, or already at or beyond T1, means the setup is gone; callers skip such signals.
 */
export function entryProblem(signal: Signal, fillPrice: number, options: PaperBrokerOptionsInput = {}): string | null {
  const o = resolvePaperBrokerOptions(options);
  const bad = checkSignal(signal);
  if (bad !== null) return bad;
  if (typeof fillPrice !== "number" || !Number.isFinite(fillPrice) || fillPrice <= 0) {
    return `fill price must be a finite price > 0, got ${String(fillPrice)}`;
  }
  const side = sideOf(signal.direction);
  const fill = fillPrice * (1 + side * o.slippage);
  if (side * (fill - signal.stop) <= 0) {
    return `${signal.direction} ${signal.symbol}: the entry fill ${fill} is at or beyond the stop ${signal.stop}; the setup is gone`;
  }
  if (side * (signal.targets[0] - fill) <= 0) {
    return `${signal.direction} ${signal.symbol}: the entry fill ${fill} is at or beyond T1 ${signal.targets[0]}; the move has happened`;
  }
  return null;
}

function checkSignal(s: Signal): string | null {
  const prices = [s.entry, s.stop, ...s.targets];
  if (!prices.every((p) => typeof p === "number" && Number.isFinite(p) && p > 0)) {
    return `signal ${s.id}: entry, stop and targets must be finite prices > 0, got ${prices.join(", ")}`;
  }
  const side = sideOf(s.direction);
  const [t1, t2, t3] = s.targets;
  if (!(side * (t1 - s.stop) > 0 && side * (t2 - t1) >= 0 && side * (t3 - t2) >= 0)) {
    return `signal ${s.id}: a ${s.direction} needs stop, T1, T2, T3 in ${side === 1 ? "rising" : "falling"} order, got ${s.stop}, ${t1}, ${t2}, ${t3}`;
  }
  if (typeof s.positionSizePct !== "number" || !Number.isFinite(s.positionSizePct) || s.positionSizePct <= 0) {
    return `signal ${s.id}: positionSizePct must be a finite number > 0, got ${String(s.positionSizePct)}`;
  }
  return null;
}

/**
 * Opens a paper trade on `signal` with a market entry at `fillPrice` (the next available price: the open of the
 * candle after the signal, or the live price) at `time`. Throws a UsageError when `entryProblem` finds one.
 * The trade id is the signal's id: one paper trade per signal.
 */
export function openPaperTrade(
  signal: Signal,
  fillPrice: number,
  time: number,
  options: PaperBrokerOptionsInput = {},
): PaperTrade {
  const o = resolvePaperBrokerOptions(options);
  const problem = entryProblem(signal, fillPrice, o);
  if (problem !== null) throw new UsageError(`${WHAT}: cannot open: ${problem}.`);
  if (typeof time !== "number" || !Number.isFinite(time) || time < signal.time) {
    // Entering before the signal existed would be trading on the future.
    throw new UsageError(
      `${WHAT}: entry time must be epoch ms at or after the signal's time ${signal.time}, got ${String(time)}.`,
    );
  }
  const side = sideOf(signal.direction);
  const entryPrice = fillPrice * (1 + side * o.slippage);
  const notional = (o.notional * signal.positionSizePct) / 100;
  const qty = notional / entryPrice;
  const fees = entryPrice * qty * o.taker_fee;
  const initialRisk = Math.abs(entryPrice - signal.stop) * qty;
  const pnl = -fees;
  return {
    tradeId: signal.id,
    symbol: signal.symbol,
    direction: signal.direction,
    entryPrice,
    stopLoss: signal.stop,
    initialStop: signal.stop,
    takeProfit: signal.targets[0],
    targets: [signal.targets[0], signal.targets[1], signal.targets[2]],
    entryTime: time,
    exitTime: null,
    exitPrice: null,
    pnl,
    pnlPercent: (pnl / notional) * 100,
    outcome: "OPEN",
    signalData: signal,
    confidenceAtEntry: signal.confidence,
    notes: [],
    qty,
    remainingQty: qty,
    notional,
    initialRisk,
    fees,
    slippageCost: Math.abs(entryPrice - fillPrice) * qty,
    rMultiple: pnl / initialRisk,
    mfe: 0,
    mae: 0,
    mfeR: 0,
    maeR: 0,
    targetsHit: 0,
    ambiguousCandles: 0,
    exits: [],
    exitReason: null,
    status: "OPEN",
    lastCandleCloseTime: null,
  };
}

// ---------- the mutable working copy of one step ----------

/** The fields a step changes, copied from the trade so the trade given is never mutated. */
interface Draft {
  readonly t: PaperTrade;
  readonly o: PaperBrokerOptions;
  readonly side: 1 | -1;
  stopLoss: number;
  remainingQty: number;
  fees: number;
  slippageCost: number;
  mfe: number;
  mae: number;
  targetsHit: number;
  ambiguousCandles: number;
  exits: PaperExit[];
  notes: string[];
  events: PaperEvent[];
}

function draftOf(t: PaperTrade, o: PaperBrokerOptions): Draft {
  return {
    t,
    o,
    side: sideOf(t.direction),
    stopLoss: t.stopLoss,
    remainingQty: t.remainingQty,
    fees: t.fees,
    slippageCost: t.slippageCost,
    mfe: t.mfe,
    mae: t.mae,
    targetsHit: t.targetsHit,
    ambiguousCandles: t.ambiguousCandles,
    exits: [...t.exits],
    notes: [...t.notes],
    events: [],
  };
}

function cloneDraft(d: Draft): Draft {
  return { ...d, exits: [...d.exits], notes: [...d.notes], events: [...d.events] };
}

function finish(d: Draft, lastCandleCloseTime: number | null): PaperStep {
  const t = d.t;
  const closed = d.remainingQty === 0;
  const status = closed ? "CLOSED" : "OPEN";
  const pnl = realisedPnl({ direction: t.direction, entryPrice: t.entryPrice, exits: d.exits, fees: d.fees });
  const outcome = outcomeOf(status, pnl, t.initialRisk, d.o.breakeven_epsilon_r);
  const last = d.exits[d.exits.length - 1];
  const riskPerUnit = Math.abs(t.entryPrice - t.initialStop);
  const rMultiple = pnl / t.initialRisk;
  const trade: PaperTrade = {
    ...t,
    stopLoss: d.stopLoss,
    exitTime: closed && last ? last.time : null,
    exitPrice: closed ? averageExitPrice(d.exits) : null,
    pnl,
    pnlPercent: (pnl / t.notional) * 100,
    outcome,
    notes: d.notes,
    remainingQty: d.remainingQty,
    fees: d.fees,
    slippageCost: d.slippageCost,
    rMultiple,
    mfe: d.mfe,
    mae: d.mae,
    mfeR: d.mfe / riskPerUnit,
    maeR: d.mae / riskPerUnit,
    targetsHit: d.targetsHit,
    ambiguousCandles: d.ambiguousCandles,
    exits: d.exits,
    exitReason: closed && last ? last.reason : null,
    status,
    lastCandleCloseTime,
  };
  const events = [...d.events];
  if (closed && t.status === "OPEN" && outcome !== "OPEN") {
    events.push({ kind: "closed", tradeId: t.tradeId, time: last?.time ?? 0, outcome, pnl, rMultiple });
  }
  return { trade, events };
}

// ---------- fills ----------

/** Records that the price reached `p` while the trade was open (for MFE / MAE). */
function touch(d: Draft, p: number): void {
  const move = d.side * (p - d.t.entryPrice);
  if (move > d.mfe) d.mfe = move;
  if (-move > d.mae) d.mae = -move;
}

function addExit(d: Draft, price: number, qty: number, reason: ExitReason, time: number, slippage: number): void {
  const fee = price * qty * d.o.taker_fee;
  const exit: PaperExit = { time, price, qty, reason, fee };
  d.exits.push(exit);
  d.fees += fee;
  d.slippageCost += slippage;
  d.remainingQty = Math.max(0, d.remainingQty - qty);
  d.events.push({ kind: "exit", tradeId: d.t.tradeId, exit });
}

/** Closes what is left with a market order triggered at `ref`: the fill is `ref` moved against the trade. */
function marketExit(d: Draft, ref: number, reason: ExitReason, time: number): void {
  const qty = d.remainingQty;
  const price = ref * (1 - d.side * d.o.slippage);
  addExit(d, price, qty, reason, time, Math.abs(ref - price) * qty);
  d.remainingQty = 0;
}

function stopReason(d: Draft): ExitReason {
  return d.stopLoss === d.t.initialStop ? "stop" : "breakeven_stop";
}

/**
 * Fills every not-yet-hit target that the price `reached`, in order, each at `fillAt(target)`. Returns true when the
 * stop moved to break-even. The share closed at target k is what takes the closed total to the cumulative
 * partial fraction; the last target that completes the position closes exactly what is left.
 */
function fillTargets(d: Draft, reached: number, fillAt: (target: number) => number, time: number): boolean {
  let moved = false;
  const p = d.o.partials;
  const cumulative = [p[0], p[0] + p[1], 1];
  while (d.remainingQty > 0 && d.targetsHit < 3) {
    const k = d.targetsHit;
    const target = d.t.targets[k]!;
    if (d.side * (reached - target) < 0) break;
    touch(d, target);
    // Snap a cumulative fraction within rounding of 1 to 1, so a position that is meant to be fully closed is.
    const cum = cumulative[k]! >= 1 - 1e-9 ? 1 : cumulative[k]!;
    const after = cum === 1 ? 0 : d.t.qty * (1 - cum);
    const qty = d.remainingQty - after;
    d.targetsHit = k + 1;
    if (qty > 0) addExit(d, fillAt(target), qty, `target${k + 1}` as ExitReason, time, 0);
    if (cum === 1) d.remainingQty = 0;
    if (k === 0 && d.o.breakeven_after_t1 && d.remainingQty > 0 && d.stopLoss !== d.t.entryPrice) {
      d.events.push({ kind: "stop_moved", tradeId: d.t.tradeId, time, from: d.stopLoss, to: d.t.entryPrice });
      d.stopLoss = d.t.entryPrice;
      moved = true;
    }
  }
  return moved;
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * Walks one candle along open → adverse extreme → favourable extreme → close. Returns true when the result depended
 * on the order of the high and the low (see the module comment).
 */
function walkCandle(d: Draft, c: Candle): boolean {
  const side = d.side;
  const beyondStop = (p: number) => side * (p - d.stopLoss) <= 0;
  const adverse = side === 1 ? c.low : c.high;
  const favourable = side === 1 ? c.high : c.low;

  // 1. The open: a gap beyond the stop or beyond targets fills at the open.
  touch(d, c.open);
  if (beyondStop(c.open)) {
    d.notes.push(`${iso(c.openTime)}: opened beyond the stop ${d.stopLoss} at ${c.open}; stopped at the open`);
    marketExit(d, c.open, stopReason(d), c.openTime);
    return false;
  }
  const hitBefore = d.targetsHit;
  fillTargets(d, c.open, () => c.open, c.openTime);
  if (d.targetsHit > hitBefore) {
    d.notes.push(`${iso(c.openTime)}: opened beyond T${d.targetsHit} at ${c.open}; filled at the open`);
  }
  if (d.remainingQty === 0) return false;

  // 2. To the adverse extreme: only the stop can be hit on the way.
  const nextTarget = d.targetsHit < 3 ? d.t.targets[d.targetsHit]! : null;
  if (beyondStop(adverse)) {
    touch(d, d.stopLoss);
    const targetInside = nextTarget !== null && side * (favourable - nextTarget) >= 0;
    marketExit(d, d.stopLoss, stopReason(d), c.closeTime);
    return targetInside;
  }
  touch(d, adverse);

  // 3. To the favourable extreme: targets, in order.
  const moved = fillTargets(d, favourable, (target) => target, c.closeTime);
  if (d.remainingQty === 0) return false;
  touch(d, favourable);

  // 4. To the close: only a stop moved in step 3 can be hit now (the old one was not reached in step 2).
  if (beyondStop(c.close)) {
    marketExit(d, d.stopLoss, stopReason(d), c.closeTime);
    return false;
  }
  // The adverse extreme reached the new stop, but may have come before T1 (as assumed) or after it.
  return moved && beyondStop(adverse);
}

/** One candle, resolved by `finer` when its result depends on the order of its high and low. */
function applyCandle(d: Draft, c: Candle, finer: readonly Candle[] | undefined): Draft {
  const trial = cloneDraft(d);
  const ambiguous = walkCandle(trial, c);
  if (!ambiguous) return trial;
  const usable = (finer ?? []).filter((f) => f.openTime >= d.t.entryTime);
  if (usable.length > 0) {
    let r = d;
    for (const f of usable) {
      if (r.remainingQty === 0) break;
      r = applyCandle(r, f, undefined);
    }
    r.events.splice(d.events.length, 0, {
      kind: "ambiguous_candle",
      tradeId: d.t.tradeId,
      candleOpenTime: c.openTime,
      resolvedBy: "finer_candles",
    });
    return r;
  }
  trial.ambiguousCandles += 1;
  trial.notes.push(
    `${iso(c.openTime)}: the candle's range held the stop and a target (or T1 and the break-even stop); ` +
      `no finer candles, so its ${d.side === 1 ? "low" : "high"} was assumed to come first`,
  );
  trial.events.splice(d.events.length, 0, {
    kind: "ambiguous_candle",
    tradeId: d.t.tradeId,
    candleOpenTime: c.openTime,
    resolvedBy: "adverse_first",
  });
  return trial;
}

function checkCandle(c: Candle, what: string): void {
  assertValidCandle(c, `${WHAT}: ${what}`);
  if (c.closed !== true) {
    throw new UsageError(
      `${WHAT}: ${what} at ${iso(c.openTime)} is not closed yet; step trades on closed candles only (no polled prices).`,
    );
  }
}

function checkFiner(c: Candle, finer: readonly Candle[]): void {
  let prevClose = Number.NEGATIVE_INFINITY;
  for (const f of finer) {
    checkCandle(f, "finer candle");
    if (f.openTime < c.openTime || f.closeTime > c.closeTime || f.openTime <= prevClose) {
      throw new UsageError(
        `${WHAT}: finer candles must lie inside the candle ${iso(c.openTime)}..${iso(c.closeTime)} in rising, ` +
          `non-overlapping order; the one at ${iso(f.openTime)} does not.`,
      );
    }
    prevClose = f.closeTime;
  }
}

// ---------- stepping and closing ----------

/**
 * Applies one new closed candle to an open trade. Candles opening before the entry time, or at or before the last
 * candle already applied, are ignored (the trade comes back unchanged, with no events). `finer`: candles of a lower
 * interval covering `candle`, used only if the candle's result depends on the order of its high and low.
 * Then the time stop: once the candle's end (closeTime + 1 ms, since Binance close times are the last millisecond)
 * is `time_stop_ms` past the entry, what is left is closed at the candle's close.
 */
export function stepPaperTrade(
  trade: PaperTrade,
  candle: Candle,
  options: PaperBrokerOptionsInput = {},
  finer?: readonly Candle[],
): PaperStep {
  const o = resolvePaperBrokerOptions(options);
  checkCandle(candle, "candle");
  if (finer !== undefined) checkFiner(candle, finer);
  const seen = trade.lastCandleCloseTime !== null && candle.openTime <= trade.lastCandleCloseTime;
  if (trade.status === "CLOSED" || candle.openTime < trade.entryTime || seen) return { trade, events: [] };
  const d = applyCandle(draftOf(trade, o), candle, finer);
  if (d.remainingQty > 0 && o.time_stop_ms !== null && candle.closeTime + 1 - trade.entryTime >= o.time_stop_ms) {
    touch(d, candle.close);
    marketExit(d, candle.close, "time", candle.closeTime);
  }
  return finish(d, candle.closeTime);
}

/**
 * Closes what is left of an open trade with a market order at `price` (slippage applies) at `time`: a manual close,
 * or "end_of_data" at the end of a backtest. Throws a UsageError for a closed trade or a time before the entry.
 */
export function closePaperTrade(
  trade: PaperTrade,
  price: number,
  time: number,
  reason: CloseReason,
  options: PaperBrokerOptionsInput = {},
): PaperStep {
  const o = resolvePaperBrokerOptions(options);
  if (trade.status === "CLOSED") {
    throw new UsageError(`${WHAT}: trade ${trade.tradeId} is already closed (${trade.exitReason}).`);
  }
  if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
    throw new UsageError(`${WHAT}: close price for ${trade.tradeId} must be a finite price > 0, got ${String(price)}.`);
  }
  if (typeof time !== "number" || !Number.isFinite(time) || time < trade.entryTime) {
    throw new UsageError(
      `${WHAT}: close time for ${trade.tradeId} must be epoch ms at or after its entry ${trade.entryTime}, got ${String(time)}.`,
    );
  }
  if (reason !== "end_of_data" && reason !== "manual") {
    throw new UsageError(`${WHAT}: close reason must be "end_of_data" or "manual", got ${String(reason)}.`);
  }
  const d = draftOf(trade, o);
  touch(d, price);
  marketExit(d, price, reason, time);
  return finish(d, trade.lastCandleCloseTime);
}

// ---------- the book ----------

/** What one candle did to the book. */
export interface BookStep {
  /** Every trade of the symbol that the candle was applied to, after it (closed ones included). */
  readonly updated: readonly PaperTrade[];
  /** The trades the candle closed; they have left the book. */
  readonly closed: readonly PaperTrade[];
  readonly events: readonly PaperEvent[];
}

/**
 * The open paper trades, keyed by trade id. Enforces `max_open_per_symbol_direction` and walks every open trade of
 * a symbol on each closed candle of the book's interval. No I/O: the caller stores what it returns.
 */
export class PaperBook {
  readonly options: PaperBrokerOptions;
  private readonly trades = new Map<string, PaperTrade>();

  /**
   * @param interval The interval the trades are walked on; candles of other intervals are ignored, so a caller may
   *   pass every closed candle it sees without a trade being walked twice over the same time.
   * @param openTrades Open trades to resume (e.g. loaded from storage).
   */
  constructor(
    readonly interval: Interval,
    options: PaperBrokerOptionsInput = {},
    openTrades: readonly PaperTrade[] = [],
  ) {
    this.options = resolvePaperBrokerOptions(options);
    for (const t of openTrades) {
      if (t.status !== "OPEN") throw new UsageError(`${WHAT}: cannot resume trade ${t.tradeId}: it is closed.`);
      this.add(t);
    }
  }

  /** Open trades for this symbol and direction. */
  openCount(symbol: string, direction: Direction): number {
    let n = 0;
    for (const t of this.trades.values()) if (t.symbol === symbol && t.direction === direction) n += 1;
    return n;
  }

  /** True while fewer than max_open_per_symbol_direction trades are open for this symbol and direction. */
  canOpen(symbol: string, direction: Direction): boolean {
    return this.openCount(symbol, direction) < this.options.max_open_per_symbol_direction;
  }

  /** Opens a trade (see openPaperTrade). Throws a UsageError when canOpen is false or the id is already open. */
  open(signal: Signal, fillPrice: number, time: number): PaperTrade {
    if (!this.canOpen(signal.symbol, signal.direction)) {
      throw new UsageError(
        `${WHAT}: ${signal.direction} ${signal.symbol} already has ${this.openCount(signal.symbol, signal.direction)} ` +
          `open trade(s), the most allowed by max_open_per_symbol_direction; check canOpen() first.`,
      );
    }
    const trade = openPaperTrade(signal, fillPrice, time, this.options);
    this.add(trade);
    return trade;
  }

  private add(t: PaperTrade): void {
    if (this.trades.has(t.tradeId)) throw new UsageError(`${WHAT}: trade ${t.tradeId} is already open.`);
    this.trades.set(t.tradeId, t);
  }

  /** The open trades, in the order they were opened. */
  openTrades(): readonly PaperTrade[] {
    return [...this.trades.values()];
  }

  get(tradeId: string): PaperTrade | undefined {
    return this.trades.get(tradeId);
  }

  /** Applies a closed candle of `symbol` to each of its open trades (see stepPaperTrade); closed trades leave. */
  onCandle(symbol: string, interval: Interval, candle: Candle, finer?: readonly Candle[]): BookStep {
    if (interval !== this.interval) return { updated: [], closed: [], events: [] };
    const updated: PaperTrade[] = [];
    const closed: PaperTrade[] = [];
    const events: PaperEvent[] = [];
    for (const t of [...this.trades.values()]) {
      if (t.symbol !== symbol) continue;
      const step = stepPaperTrade(t, candle, this.options, finer);
      updated.push(step.trade);
      events.push(...step.events);
      if (step.trade.status === "CLOSED") {
        this.trades.delete(t.tradeId);
        closed.push(step.trade);
      } else {
        this.trades.set(t.tradeId, step.trade);
      }
    }
    return { updated, closed, events };
  }

  /** Closes one open trade at `price` (see closePaperTrade); it leaves the book. */
  close(tradeId: string, price: number, time: number, reason: CloseReason): PaperStep {
    const t = this.trades.get(tradeId);
    if (!t) throw new UsageError(`${WHAT}: no open trade ${tradeId}; openTrades() lists them.`);
    const step = closePaperTrade(t, price, time, reason, this.options);
    this.trades.delete(tradeId);
    return step;
  }
}
