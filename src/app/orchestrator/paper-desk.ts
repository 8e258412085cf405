/**
 * The paper trading desk of the running system: every emitted signal becomes a paper trade, filled at the next price
 * (the open of the first candle that opens at or after the signal), then walked candle by candle through the pure
 * paper broker (src/learning/paper-broker.ts): stops and targets against each closed candle's high and low, a candle
 * touching both resolved on finer candles when the store has them.
 *
 * Trades are walked on the orchestrator's cycle interval (15m by default) where the symbol has those candles, else on
 * the base interval; a 1h candle is resolved on 15m candles when it touches both the stop and a target. The desk
 * reads candles only through the market view, so it sees exactly what the agents saw: nothing after "now".
 * Persistence is the caller's: every step's changed trades go to `onChange` in one call (one transaction), and the
 * signals waiting for their fill to `onPending` whenever they change.
 */
import type { Candle } from "../../core/candle.js";
import { type Interval, intervalMs } from "../../core/interval.js";
import type { MarketView } from "../../market/market-view.js";
import { entryProblem, PaperBook } from "../../learning/paper-broker.js";
import type { PaperBrokerOptionsInput } from "../../learning/paper-broker-options.js";
import type { PaperEvent, PaperTrade } from "../../learning/paper-trade.js";
import type { Signal } from "../../signals/signal.js";

export interface PaperDeskOptions {
  readonly view: MarketView;
  readonly broker: PaperBrokerOptionsInput;
  /** The finest interval trades are walked on (the cycle interval) and the fallback (the base interval). */
  readonly interval: Interval;
  readonly fallback: Interval;
  /** Open trades to resume (loaded from storage after a restart). */
  readonly resume?: readonly PaperTrade[];
  /** Signals still waiting for their fill when the run stopped (loaded from storage after a restart). */
  readonly resumePending?: readonly Signal[];
  /** Called with the signals waiting for a fill whenever that list changes, for storage. */
  readonly onPending?: (pending: readonly Signal[]) => void;
  /** Called once per step with every trade that changed (opened, filled, closed) and the events, for storage. */
  readonly onChange?: (trades: readonly PaperTrade[], events: readonly PaperEvent[]) => void;
  readonly onOpen?: (trade: PaperTrade) => void;
  readonly onClose?: (trade: PaperTrade) => void;
}

export interface SkippedSignal {
  readonly signal: Signal;
  readonly reason: string;
}

export class PaperDesk {
  readonly #o: PaperDeskOptions;
  readonly #books = new Map<Interval, PaperBook>();
  readonly #pending: Signal[] = [];
  /** symbol|interval → open time of the last candle applied. */
  readonly #done = new Map<string, number>();
  readonly #closed: PaperTrade[] = [];
  readonly #skipped: SkippedSignal[] = [];

  constructor(o: PaperDeskOptions) {
    this.#o = o;
    // A resumed trade continues on the interval it can be walked on now, from the last candle it saw.
    const resumed = new Map<Interval, PaperTrade[]>();
    for (const t of o.resume ?? []) {
      const iv = this.#intervalFor(t.symbol);
      resumed.set(iv, [...(resumed.get(iv) ?? []), t]);
      const seen = t.lastCandleCloseTime ?? t.entryTime - 1;
      this.#mark(t.symbol, iv, seen - intervalMs(iv) + 1);
    }
    for (const iv of new Set([o.interval, o.fallback])) {
      this.#books.set(iv, new PaperBook(iv, o.broker, resumed.get(iv) ?? []));
    }
    // A signal shown before the stop is still filled at the first open after it, as if the run had not stopped.
    this.#pending.push(...(o.resumePending ?? []));
  }

  /** A new signal: queued for the next price, unless a trade for its symbol and direction is already open. */
  submit(signal: Signal): boolean {
    const open = [...this.#books.values()].reduce((n, b) => n + b.openCount(signal.symbol, signal.direction), 0);
    const queued = this.#pending.filter((s) => s.symbol === signal.symbol && s.direction === signal.direction).length;
    const max = (this.#books.get(this.#o.interval) as PaperBook).options.max_open_per_symbol_direction;
    if (open + queued >= max) {
      this.#skipped.push({ signal, reason: `${signal.direction} ${signal.symbol} already has ${open + queued} open` });
      return false;
    }
    this.#pending.push(signal);
    this.#o.onPending?.(this.#pending.slice());
    return true;
  }

  /** Applies every candle closed since the last step to the pending signals and open trades. */
  step(): { opened: PaperTrade[]; closed: PaperTrade[] } {
    const symbols = new Set<string>([...this.#pending.map((s) => s.symbol), ...this.openTrades().map((t) => t.symbol)]);
    const changed = new Map<string, PaperTrade>();
    const events: PaperEvent[] = [];
    const opened: PaperTrade[] = [];
    const closed: PaperTrade[] = [];
    const pendingBefore = this.#pending.length;
    for (const symbol of symbols) {
      const iv = this.#intervalFor(symbol);
      for (const c of this.#newCandles(symbol, iv)) {
        // Entries first: a signal is filled at the open of the first candle opening at or after it.
        for (const s of this.#pending.filter((p) => p.symbol === symbol && p.time <= c.openTime)) {
          this.#pending.splice(this.#pending.indexOf(s), 1);
          const problem = entryProblem(s, c.open, this.#book(iv).options);
          if (problem !== null) {
            this.#skipped.push({ signal: s, reason: problem });
            continue;
          }
          const t = this.#book(iv).open(s, c.open, c.openTime);
          opened.push(t);
          changed.set(t.tradeId, t);
          this.#o.onOpen?.(t);
        }
        // Every book walks its own interval's candles; a trade opened on the fallback interval is walked there.
        for (const [biv, book] of this.#books) {
          if (biv !== iv) continue;
          const step = book.onCandle(symbol, biv, c, this.#finer(symbol, biv, c));
          for (const t of step.updated) changed.set(t.tradeId, t);
          events.push(...step.events);
          for (const t of step.closed) {
            closed.push(t);
            this.#closed.push(t);
            this.#o.onClose?.(t);
          }
        }
        this.#mark(symbol, iv, c.openTime);
      }
    }
    if (changed.size > 0) this.#o.onChange?.([...changed.values()], events);
    if (this.#pending.length !== pendingBefore) this.#o.onPending?.(this.#pending.slice());
    return { opened, closed };
  }

  /** Closes every open trade at the latest close the view has (end of a backtest or of the demo). */
  closeAll(reason: "end_of_data" | "manual"): PaperTrade[] {
    const out: PaperTrade[] = [];
    for (const [iv, book] of this.#books) {
      for (const t of book.openTrades()) {
        const last = this.#o.view.closed(t.symbol, iv, 1)[0];
        if (!last) continue;
        const r = book.close(t.tradeId, last.close, last.closeTime, reason);
        out.push(r.trade);
        this.#closed.push(r.trade);
        this.#o.onClose?.(r.trade);
      }
    }
    if (out.length > 0) this.#o.onChange?.(out, []);
    if (this.#pending.length > 0) {
      this.#pending.length = 0;
      this.#o.onPending?.([]);
    }
    return out;
  }

  openTrades(): PaperTrade[] {
    return [...this.#books.values()].flatMap((b) => [...b.openTrades()]);
  }

  /** Trades closed by this desk (not the history loaded from storage). */
  closedTrades(): readonly PaperTrade[] {
    return this.#closed;
  }

  pending(): readonly Signal[] {
    return this.#pending;
  }

  skipped(): readonly SkippedSignal[] {
    return this.#skipped;
  }

  #book(iv: Interval): PaperBook {
    return this.#books.get(iv) as PaperBook;
  }

  #intervalFor(symbol: string): Interval {
    return this.#o.view.closed(symbol, this.#o.interval, 1).length > 0 ? this.#o.interval : this.#o.fallback;
  }

  #mark(symbol: string, iv: Interval, openTime: number): void {
    const k = `${symbol}|${iv}`;
    this.#done.set(k, Math.max(this.#done.get(k) ?? Number.NEGATIVE_INFINITY, openTime));
  }

  /** Closed candles of `iv` after the last one applied (from the earliest pending signal for a fresh symbol). */
  #newCandles(symbol: string, iv: Interval): Candle[] {
    const k = `${symbol}|${iv}`;
    let after = this.#done.get(k);
    if (after === undefined) {
      const first = Math.min(...this.#pending.filter((s) => s.symbol === symbol).map((s) => s.time));
      if (!Number.isFinite(first)) return [];
      after = first - 1;
      this.#done.set(k, after);
    }
    const now = this.#o.view.now();
    const count = Math.min(5000, Math.ceil((now - after) / intervalMs(iv)) + 2);
    if (count <= 0) return [];
    return this.#o.view.closed(symbol, iv, count).filter((c) => c.openTime > after);
  }

  /** The 15m candles inside a coarser candle, to resolve a candle that touched both the stop and a target. */
  #finer(symbol: string, iv: Interval, c: Candle): Candle[] | undefined {
    const fine = this.#o.interval;
    if (iv === fine || intervalMs(fine) >= intervalMs(iv)) return undefined;
    const n = Math.ceil(intervalMs(iv) / intervalMs(fine)) + 1;
    const inside = this.#o.view
      .closed(symbol, fine, n + Math.ceil((this.#o.view.now() - c.closeTime) / intervalMs(fine)))
      .filter((f) => f.openTime >= c.openTime && f.closeTime <= c.closeTime);
    return inside.length > 0 ? inside : undefined;
  }
}
