/**
 * Paper trades in SQLite: one row per trade and run, the whole PaperTrade as JSON plus the columns queries filter on,
 * and an audit trail of the events (fills, stop moves, closes) that changed it. Every write is one transaction with
 * its events, so a crash (even kill -9) leaves each trade as it was after some complete step: an open trade read back
 * is still OPEN and can be resumed by a PaperBook.
 *
 * A run keeps histories apart: "live", "demo" or "backtest:<id>". A trade id is its signal's id, and a backtest over
 * a period the live run also traded produces the same ids, so the key is (run, trade id).
 *
 * Rows are validated on the way in (a caller's bug: UsageError) and on the way out (a damaged file: DataError naming
 * the trade and the database file), so no NaN or half-written trade reaches the metrics.
 */
import type Database from "better-sqlite3";
import { jsonSafetyProblems } from "../agents/json-safe.js";
import { DataError, UsageError } from "../core/errors.js";
import { databaseError } from "../storage/database.js";
import type { TradeResult } from "./metrics.js";
import type { PaperStep } from "./paper-broker.js";
import type { PaperEvent, PaperTrade } from "./paper-trade.js";

/** The live run: trades on the market as it happens. */
export const LIVE_RUN = "live";
/** The demo's run (the fake exchange), kept apart from real history. */
export const DEMO_RUN = "demo";

const RUN_RE = /^(live|demo|backtest:[A-Za-z0-9][A-Za-z0-9_.:-]{0,99})$/;
const BACKTEST_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** Throws a UsageError unless `run` is "live", "demo" or "backtest:<id>". */
export function checkRun(run: string): void {
  if (typeof run !== "string" || !RUN_RE.test(run)) {
    throw new UsageError(
      `paper trade store: run must be "live", "demo" or "backtest:<id>" (id: letters, digits, _ . : -, at most 100), got ${JSON.stringify(run)}.`,
    );
  }
}

/** The run name of backtest `id`, e.g. backtestRun("2025q1") → "backtest:2025q1". */
export function backtestRun(id: string): string {
  if (typeof id !== "string" || !BACKTEST_ID_RE.test(id)) {
    throw new UsageError(
      `paper trade store: a backtest id must start with a letter or digit and hold only letters, digits, _ . : - (at most 100), got ${JSON.stringify(id)}.`,
    );
  }
  return `backtest:${id}`;
}

/** One stored event of a trade's audit trail. */
export interface StoredEvent {
  /** Increases in the order events were written. */
  readonly id: number;
  readonly run: string;
  readonly tradeId: string;
  /** Epoch ms the event happened (an exit's fill time, a candle's open time for an ambiguous candle). */
  readonly time: number;
  readonly kind: PaperEvent["kind"];
  readonly event: PaperEvent;
}

/** A trade to save and the events that led to it (a PaperStep is one). */
export interface SaveStep {
  readonly trade: PaperTrade;
  readonly events?: readonly PaperEvent[];
}

/** A period of exit times, epoch ms, both ends inclusive and optional. */
export interface ClosedQuery {
  readonly from?: number;
  readonly to?: number;
}

// ---------- validation ----------

const DIRECTIONS = new Set(["LONG", "SHORT"]);
const STATUSES = new Set(["OPEN", "CLOSED"]);
const OUTCOMES = new Set(["WIN", "LOSS", "BREAKEVEN", "OPEN"]);
const EXIT_REASONS = new Set([
  "target1",
  "target2",
  "target3",
  "stop",
  "breakeven_stop",
  "time",
  "end_of_data",
  "manual",
]);
const EVENT_KINDS = new Set(["exit", "stop_moved", "ambiguous_candle", "closed"]);

const NUMBERS = [
  "entryPrice",
  "stopLoss",
  "initialStop",
  "takeProfit",
  "entryTime",
  "pnl",
  "pnlPercent",
  "confidenceAtEntry",
  "qty",
  "remainingQty",
  "notional",
  "initialRisk",
  "fees",
  "slippageCost",
  "rMultiple",
  "mfe",
  "mae",
  "mfeR",
  "maeR",
  "targetsHit",
  "ambiguousCandles",
] as const;
const NULLABLE_NUMBERS = ["exitTime", "exitPrice", "lastCandleCloseTime"] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : String(v));

/**
 * What keeps `value` from being a PaperTrade the broker could have produced, as "field: what" lines (empty when
 * none): missing or mistyped fields, non-finite numbers, a status that contradicts the outcome or the exit time.
 */
export function paperTradeProblems(value: unknown): string[] {
  if (!isObject(value)) return [`the trade is ${Array.isArray(value) ? "a list" : show(value)}, not an object`];
  const t = value;
  const p: string[] = [];
  for (const f of ["tradeId", "symbol"] as const) {
    if (typeof t[f] !== "string" || t[f] === "") p.push(`${f}: expected a non-empty text, got ${show(t[f])}`);
  }
  if (!DIRECTIONS.has(t.direction as string)) p.push(`direction: expected LONG or SHORT, got ${show(t.direction)}`);
  if (!STATUSES.has(t.status as string)) p.push(`status: expected OPEN or CLOSED, got ${show(t.status)}`);
  if (!OUTCOMES.has(t.outcome as string))
    p.push(`outcome: expected WIN, LOSS, BREAKEVEN or OPEN, got ${show(t.outcome)}`);
  for (const f of NUMBERS) if (!isFiniteNumber(t[f])) p.push(`${f}: expected a finite number, got ${show(t[f])}`);
  for (const f of NULLABLE_NUMBERS) {
    if (t[f] !== null && !isFiniteNumber(t[f])) p.push(`${f}: expected a finite number or null, got ${show(t[f])}`);
  }
  if (!Array.isArray(t.targets) || t.targets.length !== 3 || !t.targets.every(isFiniteNumber)) {
    p.push(`targets: expected three finite prices, got ${JSON.stringify(t.targets) ?? "nothing"}`);
  }
  if (!Array.isArray(t.notes) || !t.notes.every((n) => typeof n === "string")) {
    p.push("notes: expected a list of texts");
  }
  if (t.exitReason !== null && !EXIT_REASONS.has(t.exitReason as string)) {
    p.push(`exitReason: expected an exit reason or null, got ${show(t.exitReason)}`);
  }
  if (!Array.isArray(t.exits)) p.push("exits: expected a list of fills");
  else {
    t.exits.forEach((e: unknown, i) => {
      const ok =
        isObject(e) &&
        isFiniteNumber(e.time) &&
        isFiniteNumber(e.price) &&
        isFiniteNumber(e.qty) &&
        isFiniteNumber(e.fee) &&
        EXIT_REASONS.has(e.reason as string);
      if (!ok) p.push(`exits[${i}]: expected {time, price, qty, reason, fee} with finite numbers`);
    });
  }
  if (!isObject(t.signalData) || typeof t.signalData.id !== "string") {
    p.push("signalData: expected the signal the trade was opened on");
  }
  if (p.length > 0) return p;
  // The fields are well-typed; now the ones that must agree with each other.
  const open = t.status === "OPEN";
  if (open !== (t.outcome === "OPEN")) p.push(`outcome: ${show(t.outcome)} contradicts status ${show(t.status)}`);
  if (open && t.exitTime !== null) p.push(`exitTime: an OPEN trade has none, got ${show(t.exitTime)}`);
  if (!open && (t.exitTime === null || t.exitPrice === null || t.exitReason === null)) {
    p.push("exitTime, exitPrice, exitReason: a CLOSED trade has all three");
  }
  // Deep: a NaN inside signalData would silently become null in JSON.
  p.push(...jsonSafetyProblems(value, "trade", 5));
  return p;
}

function checkTradeForWrite(trade: PaperTrade): void {
  const problems = paperTradeProblems(trade);
  if (problems.length > 0) {
    const id = isObject(trade) && typeof trade.tradeId === "string" ? trade.tradeId : "(no id)";
    throw new UsageError(`paper trade store: refusing to save trade ${id}: ${problems.join("; ")}.`, {
      hint: "Only trades produced by the paper broker can be stored; nothing of this write was saved.",
    });
  }
}

function eventTime(e: PaperEvent): number {
  switch (e.kind) {
    case "exit":
      return e.exit.time;
    case "ambiguous_candle":
      return e.candleOpenTime;
    default:
      return e.time;
  }
}

function checkEventForWrite(trade: PaperTrade, e: PaperEvent, i: number): void {
  const what = `paper trade store: event #${i} of trade ${trade.tradeId}`;
  if (!isObject(e) || !EVENT_KINDS.has(e.kind)) {
    throw new UsageError(`${what} is not a paper broker event (kind ${show(isObject(e) ? e.kind : e)}).`);
  }
  if (e.tradeId !== trade.tradeId) {
    throw new UsageError(`${what} belongs to trade ${show(e.tradeId)}; save each trade with its own events.`);
  }
  const problems = jsonSafetyProblems(e, "event", 5);
  if (!isFiniteNumber(eventTime(e))) problems.push("its time is not a finite number");
  if (problems.length > 0) throw new UsageError(`${what} cannot be stored: ${problems.join("; ")}.`);
}

// ---------- adapters ----------

/** The metrics' view of a closed trade. Throws a UsageError for an OPEN trade: its P&L is not final. */
export function toTradeResult(trade: PaperTrade): TradeResult {
  if (trade.status !== "CLOSED" || trade.outcome === "OPEN" || trade.exitTime === null) {
    throw new UsageError(
      `toTradeResult: trade ${trade.tradeId} is still OPEN; only closed trades have a final result (filter on status).`,
    );
  }
  return {
    id: trade.tradeId,
    symbol: trade.symbol,
    entryTime: trade.entryTime,
    exitTime: trade.exitTime,
    pnl: trade.pnl,
    pnlPercent: trade.pnlPercent,
    rMultiple: trade.rMultiple,
    riskReward: trade.signalData.riskReward,
    outcome: trade.outcome,
    notional: trade.notional,
  };
}

/** One save per changed trade with its own events (e.g. a PaperBook step's `updated` and `events`), for saveMany. */
export function tradeSteps(trades: readonly PaperTrade[], events: readonly PaperEvent[]): PaperStep[] {
  return trades.map((trade) => ({ trade, events: events.filter((e) => e.tradeId === trade.tradeId) }));
}

// ---------- the store ----------

interface TradeRow {
  readonly run: string;
  readonly trade_id: string;
  readonly status: string;
  readonly data: string;
}

interface EventRow {
  readonly id: number;
  readonly run: string;
  readonly trade_id: string;
  readonly time: number;
  readonly kind: string;
  readonly data: string;
}

const MAX_TIME = 8.64e15;
const TRADE_COLUMNS = "run, trade_id, status, data";

export class PaperTradeStore {
  readonly db: Database.Database;
  readonly #stmt: {
    upsert: Database.Statement<unknown[]>;
    addEvent: Database.Statement<unknown[]>;
    open: Database.Statement<[string], TradeRow>;
    closed: Database.Statement<[string, number, number], TradeRow>;
    all: Database.Statement<[string], TradeRow>;
    get: Database.Statement<[string, string], TradeRow>;
    runs: Database.Statement<[], string>;
    events: Database.Statement<[string, string], EventRow>;
  };

  /** `db` must come from openDatabase(), which creates the tables. */
  constructor(db: Database.Database) {
    this.db = db;
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'paper_trades'").get();
    if (!has) {
      throw new UsageError(`The database ${db.name} has no paper trade tables; open it with openDatabase() first.`);
    }
    this.#stmt = {
      upsert: db.prepare(
        `INSERT INTO paper_trades (run, trade_id, symbol, direction, status, outcome, entry_time, exit_time, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run, trade_id) DO UPDATE SET
           symbol = excluded.symbol, direction = excluded.direction, status = excluded.status,
           outcome = excluded.outcome, entry_time = excluded.entry_time, exit_time = excluded.exit_time,
           data = excluded.data`,
      ),
      addEvent: db.prepare("INSERT INTO paper_trade_events (run, trade_id, time, kind, data) VALUES (?, ?, ?, ?, ?)"),
      open: db.prepare<[string], TradeRow>(
        `SELECT ${TRADE_COLUMNS} FROM paper_trades WHERE run = ? AND status = 'OPEN' ORDER BY entry_time, trade_id`,
      ),
      closed: db.prepare<[string, number, number], TradeRow>(
        `SELECT ${TRADE_COLUMNS} FROM paper_trades WHERE run = ? AND status = 'CLOSED' AND exit_time BETWEEN ? AND ?
         ORDER BY exit_time, trade_id`,
      ),
      all: db.prepare<[string], TradeRow>(
        `SELECT ${TRADE_COLUMNS} FROM paper_trades WHERE run = ? ORDER BY entry_time, trade_id`,
      ),
      get: db.prepare<[string, string], TradeRow>(
        `SELECT ${TRADE_COLUMNS} FROM paper_trades WHERE run = ? AND trade_id = ?`,
      ),
      runs: db.prepare<[], string>("SELECT DISTINCT run FROM paper_trades ORDER BY run").pluck(),
      events: db.prepare<[string, string], EventRow>(
        "SELECT id, run, trade_id, time, kind, data FROM paper_trade_events WHERE run = ? AND trade_id = ? ORDER BY id",
      ),
    };
  }

  #guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DataError || e instanceof UsageError) throw e;
      throw databaseError(this.db.name, e, doing);
    }
  }

  /** Validates, then writes one trade and its events; runs inside the caller's transaction. */
  #write(run: string, trade: PaperTrade, events: readonly PaperEvent[]): void {
    checkTradeForWrite(trade);
    for (const [i, e] of events.entries()) checkEventForWrite(trade, e, i);
    this.#stmt.upsert.run(
      run,
      trade.tradeId,
      trade.symbol,
      trade.direction,
      trade.status,
      trade.outcome,
      trade.entryTime,
      trade.exitTime,
      JSON.stringify(trade),
    );
    for (const e of events) this.#stmt.addEvent.run(run, trade.tradeId, eventTime(e), e.kind, JSON.stringify(e));
  }

  /** Inserts or replaces `trade` in `run` and appends `events` to its audit trail, in one transaction. */
  save(run: string, trade: PaperTrade, events: readonly PaperEvent[] = []): void {
    checkRun(run);
    this.#guard(`saving paper trade ${isObject(trade) ? String(trade.tradeId) : "?"}`, () =>
      this.db.transaction(() => this.#write(run, trade, events))(),
    );
  }

  /**
   * Saves every step (a trade and its events) in one transaction: all or nothing. A candle moves many trades at once,
   * and a crash half-way must not leave some of them a candle ahead of the others. Each step is validated just before
   * it is written, so a bad step anywhere rolls back the steps before it too.
   */
  saveMany(run: string, steps: readonly SaveStep[]): void {
    checkRun(run);
    if (!Array.isArray(steps)) throw new UsageError("paper trade store: saveMany needs a list of {trade, events}.");
    this.#guard(`saving ${steps.length} paper trades`, () =>
      this.db.transaction(() => {
        for (const s of steps) this.#write(run, s.trade, s.events ?? []);
      })(),
    );
  }

  /** The run's open trades, oldest entry first: what a PaperBook resumes from. */
  open(run: string): PaperTrade[] {
    checkRun(run);
    return this.#read(`reading the open paper trades of ${run}`, () => this.#stmt.open.all(run));
  }

  /** The run's closed trades with exit time in [from, to], in exit order. */
  closed(run: string, query: ClosedQuery = {}): PaperTrade[] {
    checkRun(run);
    const from = query.from ?? 0;
    const to = query.to ?? MAX_TIME;
    for (const [name, v] of [
      ["from", from],
      ["to", to],
    ] as const) {
      if (!isFiniteNumber(v))
        throw new UsageError(`paper trade store: closed(): ${name} must be epoch ms, got ${show(v)}.`);
    }
    if (to < from) throw new UsageError(`paper trade store: closed(): to (${to}) is before from (${from}); swap them.`);
    return this.#read(`reading the closed paper trades of ${run}`, () => this.#stmt.closed.all(run, from, to));
  }

  /** Every trade of the run, oldest entry first. */
  all(run: string): PaperTrade[] {
    checkRun(run);
    return this.#read(`reading the paper trades of ${run}`, () => this.#stmt.all.all(run));
  }

  /** One trade, or undefined when the run has no trade with that id. */
  get(run: string, tradeId: string): PaperTrade | undefined {
    checkRun(run);
    return this.#read(`reading paper trade ${tradeId}`, () => {
      const row = this.#stmt.get.get(run, tradeId);
      return row ? [row] : [];
    })[0];
  }

  /** The runs that have trades, sorted. */
  runs(): string[] {
    return this.#guard("listing the paper trading runs", () => this.#stmt.runs.all());
  }

  /** The audit trail of one trade, in the order it was written. */
  events(run: string, tradeId: string): StoredEvent[] {
    checkRun(run);
    const rows = this.#guard(`reading the events of paper trade ${tradeId}`, () => this.#stmt.events.all(run, tradeId));
    return rows.map((r) => {
      let event: unknown;
      try {
        event = JSON.parse(r.data);
      } catch (e) {
        throw this.#damaged(r.run, r.trade_id, `event ${r.id} is not valid JSON (${(e as Error).message})`);
      }
      if (!isObject(event) || event.kind !== r.kind || event.tradeId !== r.trade_id) {
        throw this.#damaged(r.run, r.trade_id, `event ${r.id} does not match its row (kind ${show(r.kind)})`);
      }
      return {
        id: r.id,
        run: r.run,
        tradeId: r.trade_id,
        time: r.time,
        kind: r.kind as PaperEvent["kind"],
        event: event as unknown as PaperEvent,
      };
    });
  }

  #read(doing: string, rows: () => readonly TradeRow[]): PaperTrade[] {
    return this.#guard(doing, () => rows().map((r) => this.#parse(r)));
  }

  #parse(r: TradeRow): PaperTrade {
    let value: unknown;
    try {
      value = JSON.parse(r.data);
    } catch (e) {
      throw this.#damaged(r.run, r.trade_id, `its data is not valid JSON (${(e as Error).message})`);
    }
    const problems = paperTradeProblems(value);
    if (problems.length > 0) throw this.#damaged(r.run, r.trade_id, problems.join("; "));
    const t = value as PaperTrade;
    if (t.tradeId !== r.trade_id || t.status !== r.status) {
      throw this.#damaged(
        r.run,
        r.trade_id,
        `its data (trade ${show(t.tradeId)}, ${t.status}) does not match its row (${show(r.trade_id)}, ${r.status})`,
      );
    }
    return t;
  }

  #damaged(run: string, tradeId: string, what: string): DataError {
    return new DataError(`Paper trade ${tradeId} (run ${run}) in the database ${this.db.name} is damaged: ${what}.`, {
      hint:
        "The row was left untouched. Restore the database from a backup, or remove that trade " +
        `(sqlite3: DELETE FROM paper_trades WHERE run = '${run}' AND trade_id = '${tradeId.replace(/'/g, "''")}').`,
    });
  }
}
