import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { paperBrokerOptionsFromConfig } from "../../src/app/agent-options.js";
import { defaultConfig, loadConfig } from "../../src/app/config.js";
import { ConfigError, DataError, UsageError } from "../../src/core/errors.js";
import { HOUR } from "../../src/core/interval.js";
import {
  closePaperTrade,
  openPaperTrade,
  PaperBook,
  type PaperStep,
  stepPaperTrade,
} from "../../src/learning/paper-broker.js";
import type { PaperEvent, PaperTrade } from "../../src/learning/paper-trade.js";
import {
  backtestRun,
  checkRun,
  DEMO_RUN,
  LIVE_RUN,
  PaperTradeStore,
  paperTradeProblems,
  toTradeResult,
  tradeSteps,
} from "../../src/learning/paper-trade-store.js";
import { openDatabase } from "../../src/storage/database.js";
import { MIGRATIONS } from "../../src/storage/migrations.js";
import { crashSignal as signal, hourCandle as candle, T0 } from "./fixtures/paper-writer.js";

let dir: string;
let file: string;
let db: Database.Database;
let store: PaperTradeStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cma-paper-store-"));
  file = join(dir, "cma.db");
  db = openDatabase(file);
  store = new PaperTradeStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The error `f` throws, failing the test if it throws none. */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

/**
 * A closed LONG by hand: 10 units bought at 100 (risk 5 a unit to the 95 stop, 1 R = 50), half sold at T1 110, the
 * stop moved to 100 and the rest stopped there. Fees 0.05 %: entry 1000 × 0.0005 = 0.5, T1 550 × 0.0005 = 0.275,
 * stop 500 × 0.0005 = 0.25, total 1.025. P&L = 5 × (110 − 100) + 5 × 0 − 1.025 = 48.975 = 4.8975 % of 1000,
 * R = 48.975 / 50 = 0.9795. Exit price (550 + 500) / 10 = 105.
 */
function closedTrade(id: string, exitTime = T0 + 2 * HOUR - 1): PaperTrade {
  return {
    tradeId: id,
    symbol: "BTCUSDT",
    direction: "LONG",
    entryPrice: 100,
    stopLoss: 100,
    initialStop: 95,
    takeProfit: 110,
    targets: [110, 115, 120],
    entryTime: T0,
    exitTime,
    exitPrice: 105,
    pnl: 48.975,
    pnlPercent: 4.8975,
    outcome: "WIN",
    signalData: signal(id),
    confidenceAtEntry: 0.7,
    notes: ["hand-made"],
    qty: 10,
    remainingQty: 0,
    notional: 1000,
    initialRisk: 50,
    fees: 1.025,
    slippageCost: 0,
    rMultiple: 0.9795,
    mfe: 10,
    mae: 0,
    mfeR: 2,
    maeR: 0,
    targetsHit: 1,
    ambiguousCandles: 0,
    exits: [
      { time: T0 + HOUR - 1, price: 110, qty: 5, reason: "target1", fee: 0.275 },
      { time: exitTime, price: 100, qty: 5, reason: "breakeven_stop", fee: 0.25 },
    ],
    exitReason: "breakeven_stop",
    status: "CLOSED",
    lastCandleCloseTime: exitTime,
  };
}

const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe("runs", () => {
  it("are live, demo or backtest:<id>; anything else is a UsageError naming the value", () => {
    expect(backtestRun("2025q1")).toBe("backtest:2025q1");
    for (const ok of [LIVE_RUN, DEMO_RUN, "backtest:a-1.b_2"]) expect(() => checkRun(ok)).not.toThrow();
    const e = thrown(() => store.all("paper"));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(/run must be "live", "demo" or "backtest:<id>".*got "paper"/);
    expect(() => backtestRun("")).toThrow(UsageError);
    expect(() => backtestRun("a b")).toThrow(/backtest id/);
  });

  it("keep the same trade id apart", () => {
    const live = openPaperTrade(signal("S-1"), 100, T0);
    const bt = closedTrade("S-1");
    store.save(LIVE_RUN, live);
    store.save("backtest:a", bt, [{ kind: "exit", tradeId: "S-1", exit: bt.exits[0]! }]);
    expect(store.get(LIVE_RUN, "S-1")).toEqual(live);
    expect(store.get("backtest:a", "S-1")).toEqual(bt);
    expect(store.get(DEMO_RUN, "S-1")).toBeUndefined();
    expect(store.runs()).toEqual(["backtest:a", "live"]);
  });
});

describe("save and read back", () => {
  it("round-trips a broker trade through open, a T1 candle and a close, with its audit trail", () => {
    const opened = openPaperTrade(signal("T-1"), 100, T0);
    store.save(LIVE_RUN, opened);
    expect(store.open(LIVE_RUN)).toEqual([opened]);

    // High 112 reaches T1 110: half closes and the stop moves to the entry fill 100.02; the low 100.5 stays above
    // it, so the order of high and low does not matter.
    const s1 = stepPaperTrade(opened, candle(T0, 100.5, 112, 100.5, 108));
    expect(s1.events.map((e) => e.kind)).toEqual(["exit", "stop_moved"]);
    store.save(LIVE_RUN, s1.trade, s1.events);
    const s2 = closePaperTrade(s1.trade, 108, T0 + HOUR, "manual");
    store.save(LIVE_RUN, s2.trade, s2.events);

    expect(store.get(LIVE_RUN, "T-1")).toEqual(s2.trade);
    expect(store.open(LIVE_RUN)).toEqual([]);
    expect(store.closed(LIVE_RUN)).toEqual([s2.trade]);
    expect(store.all(LIVE_RUN)).toEqual([s2.trade]);
    const events = store.events(LIVE_RUN, "T-1");
    expect(events.map((e) => e.event)).toEqual([...s1.events, ...s2.events]);
    expect(events.map((e) => e.kind)).toEqual(["exit", "stop_moved", "exit", "closed"]);
    // Times: T1 fills at the candle's close (T0 + 1 h − 1 ms), the stop moves then too, the manual close at T0 + 1 h.
    expect(events.map((e) => e.time)).toEqual([T0 + HOUR - 1, T0 + HOUR - 1, T0 + HOUR, T0 + HOUR]);
    // One row per trade, whatever the number of saves.
    expect(count("paper_trades")).toBe(1);
  });

  it("closed() selects by exit time, both ends inclusive, in exit order", () => {
    const [a, b, c] = [
      closedTrade("c-3", T0 + 3 * HOUR),
      closedTrade("c-1", T0 + HOUR),
      closedTrade("c-2", T0 + 2 * HOUR),
    ];
    store.saveMany(LIVE_RUN, [{ trade: a }, { trade: b }, { trade: c }]);
    store.save(LIVE_RUN, openPaperTrade(signal("o-1"), 100, T0));
    const ids = (ts: readonly PaperTrade[]) => ts.map((t) => t.tradeId);
    expect(ids(store.closed(LIVE_RUN))).toEqual(["c-1", "c-2", "c-3"]);
    expect(ids(store.closed(LIVE_RUN, { from: T0 + 2 * HOUR }))).toEqual(["c-2", "c-3"]);
    expect(ids(store.closed(LIVE_RUN, { to: T0 + 2 * HOUR }))).toEqual(["c-1", "c-2"]);
    expect(ids(store.closed(LIVE_RUN, { from: T0 + 2 * HOUR, to: T0 + 2 * HOUR }))).toEqual(["c-2"]);
    expect(ids(store.open(LIVE_RUN))).toEqual(["o-1"]);
    expect(store.all(LIVE_RUN)).toHaveLength(4);
    expect(() => store.closed(LIVE_RUN, { from: 5, to: 4 })).toThrow(/to \(4\) is before from \(5\)/);
    expect(() => store.closed(LIVE_RUN, { from: Number.NaN })).toThrow(UsageError);
  });

  it("property: saving every step of a random candle path leaves the final trade and all its events", () => {
    const price = fc.integer({ min: 900, max: 1300 }).map((n) => n / 10);
    const bar = fc.tuple(price, price, price, price, fc.boolean()).map(([a, b, c, d, up]) => {
      const [l, x, y, h] = [a, b, c, d].sort((p, q) => p - q) as [number, number, number, number];
      return up ? { o: x, h, l, c: y } : { o: y, h, l, c: x };
    });
    let n = 0;
    fc.assert(
      fc.property(fc.array(bar, { minLength: 1, maxLength: 12 }), fc.boolean(), (bars, short) => {
        const run = backtestRun(`p${n++}`);
        const sig = short
          ? {
              ...signal("P"),
              direction: "SHORT" as const,
              stop: 105,
              targets: [90, 85, 80] as [number, number, number],
            }
          : signal("P");
        let trade = openPaperTrade(sig, 100, T0);
        store.save(run, trade);
        const all: PaperEvent[] = [];
        bars.forEach((b, i) => {
          const s = stepPaperTrade(trade, candle(T0 + i * HOUR, b.o, b.h, b.l, b.c));
          store.save(run, s.trade, s.events);
          all.push(...s.events);
          trade = s.trade;
        });
        expect(store.get(run, "P")).toEqual(trade);
        expect(store.events(run, "P").map((e) => e.event)).toEqual(all);
        expect(store.open(run).length + store.closed(run).length).toBe(1);
      }),
      { numRuns: 60 },
    );
  });
});

describe("saveMany is all or nothing", () => {
  function scenario(): { before: PaperTrade; steps: PaperStep[] } {
    const before = openPaperTrade(signal("M-1"), 100, T0);
    store.save(LIVE_RUN, before);
    const moved = stepPaperTrade(before, candle(T0, 100, 125, 99, 121));
    const other = stepPaperTrade(openPaperTrade(signal("M-2"), 100, T0), candle(T0, 100, 101, 99, 100));
    const bad = openPaperTrade(signal("M-3"), 100, T0);
    return {
      before,
      steps: [moved, other, { trade: { ...bad, pnl: Number.NaN }, events: [] }],
    };
  }

  it("a trade failing validation third rolls back the two written before it", () => {
    const { before, steps } = scenario();
    const e = thrown(() => store.saveMany(LIVE_RUN, steps));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(/refusing to save trade M-3: pnl: expected a finite number, got NaN/);
    expect(store.all(LIVE_RUN)).toEqual([before]);
    expect(count("paper_trade_events")).toBe(0);
    // The same batch without the bad trade goes through.
    store.saveMany(LIVE_RUN, steps.slice(0, 2));
    expect(store.all(LIVE_RUN).map((t) => [t.tradeId, t.status])).toEqual([
      ["M-1", "CLOSED"],
      ["M-2", "OPEN"],
    ]);
  });

  it("a database failure half-way rolls back too", () => {
    const { before, steps } = scenario();
    db.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON paper_trades WHEN NEW.trade_id = 'M-2'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    expect(() => store.saveMany(LIVE_RUN, steps.slice(0, 2))).toThrow(/refused by the test/);
    expect(store.all(LIVE_RUN)).toEqual([before]);
    expect(count("paper_trade_events")).toBe(0);
  });

  it("events must belong to the trade they are saved with", () => {
    const t = openPaperTrade(signal("E-1"), 100, T0);
    const foreign: PaperEvent = { kind: "stop_moved", tradeId: "E-2", time: T0, from: 95, to: 100 };
    expect(() => store.save(LIVE_RUN, t, [foreign])).toThrow(/event #0 of trade E-1 belongs to trade "E-2"/);
    expect(count("paper_trades")).toBe(0);
  });

  it("a NaN deep inside the signal is refused (JSON would turn it into null)", () => {
    const t = openPaperTrade(signal("N-1"), 100, T0);
    const sig = { ...t.signalData, evidence: { ...t.signalData.evidence, volumeRatio: Number.NaN } };
    expect(() => store.save(LIVE_RUN, { ...t, signalData: sig })).toThrow(
      /trade\.signalData\.evidence\.volumeRatio: NaN/,
    );
  });

  it("tradeSteps gives each updated trade of a book step its own events", () => {
    const book = new PaperBook("1h");
    book.open(signal("K-1"), 100, T0);
    book.open({ ...signal("K-2"), symbol: "ETHUSDT" }, 100, T0);
    const step = book.onCandle("BTCUSDT", "1h", candle(T0, 100, 125, 99, 121));
    const saves = tradeSteps(step.updated, step.events);
    expect(saves.map((s) => s.trade.tradeId)).toEqual(["K-1"]);
    // T1, T2, T3 exits, the stop move after T1, and the close.
    expect(saves[0]?.events.map((e) => e.kind)).toEqual(["exit", "stop_moved", "exit", "exit", "closed"]);
  });
});

describe("damaged rows", () => {
  beforeEach(() => {
    store.save(LIVE_RUN, closedTrade("D-1"));
  });

  it("JSON that does not parse is a DataError naming the trade and the file", () => {
    db.prepare("UPDATE paper_trades SET data = substr(data, 1, 40) WHERE trade_id = 'D-1'").run();
    for (const read of [() => store.get(LIVE_RUN, "D-1"), () => store.all(LIVE_RUN), () => store.closed(LIVE_RUN)]) {
      const e = thrown(read);
      expect(e).toBeInstanceOf(DataError);
      expect(e.message).toContain("Paper trade D-1 (run live)");
      expect(e.message).toContain(file);
      expect(e.message).toMatch(/not valid JSON/);
    }
  });

  it("a field of the wrong type is named", () => {
    db.prepare("UPDATE paper_trades SET data = json_set(data, '$.entryPrice', 'abc') WHERE trade_id = 'D-1'").run();
    expect(() => store.get(LIVE_RUN, "D-1")).toThrow(/D-1.*entryPrice: expected a finite number, got "abc"/);
  });

  it("data that contradicts its row is caught", () => {
    db.prepare("UPDATE paper_trades SET status = 'OPEN' WHERE trade_id = 'D-1'").run();
    expect(() => store.open(LIVE_RUN)).toThrow(/does not match its row/);
  });

  it("paperTradeProblems lists what is missing or contradictory", () => {
    expect(paperTradeProblems(closedTrade("ok"))).toEqual([]);
    expect(paperTradeProblems(null)).toEqual(["the trade is null, not an object"]);
    const { exitTime: _, ...noExit } = closedTrade("x");
    expect(paperTradeProblems(noExit)).toEqual(["exitTime: expected a finite number or null, got undefined"]);
    expect(paperTradeProblems({ ...closedTrade("x"), outcome: "OPEN" })).toEqual([
      'outcome: "OPEN" contradicts status "CLOSED"',
    ]);
  });
});

describe("toTradeResult", () => {
  it("maps a closed trade to the metrics' input, taking R:R from the signal", () => {
    expect(toTradeResult(closedTrade("R-1"))).toEqual({
      id: "R-1",
      symbol: "BTCUSDT",
      entryTime: T0,
      exitTime: T0 + 2 * HOUR - 1,
      pnl: 48.975,
      pnlPercent: 4.8975,
      rMultiple: 0.9795,
      riskReward: 2,
      outcome: "WIN",
      notional: 1000,
    });
  });

  it("refuses an open trade", () => {
    const e = thrown(() => toTradeResult(openPaperTrade(signal("R-2"), 100, T0)));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(/trade R-2 is still OPEN/);
  });
});

describe("the store needs its tables", () => {
  it("a database without the paper trade migration is a UsageError", () => {
    const old = openDatabase(join(dir, "old.db"), { migrations: MIGRATIONS.slice(0, 1) });
    try {
      expect(() => new PaperTradeStore(old)).toThrow(/has no paper trade tables; open it with openDatabase/);
    } finally {
      old.close();
    }
  });
});

describe("config paper_trading", () => {
  it("defaults: futures fee 0.05 %, spot 0.1 %, no time stop", () => {
    const config = defaultConfig(dir);
    expect(paperBrokerOptionsFromConfig(config, "futures")).toEqual({
      taker_fee: 0.0005,
      slippage: 0.0002,
      notional: 1000,
      partials: [0.5, 0.25, 0.25],
      breakeven_after_t1: true,
      time_stop_ms: null,
      breakeven_epsilon_r: 0.05,
      max_open_per_symbol_direction: 1,
    });
    expect(paperBrokerOptionsFromConfig(config, "spot").taker_fee).toBe(0.001);
    expect(config.paper_trading.starting_equity).toBe(10_000);
  });

  it("a fee set in the config wins over the market's; hours become ms", () => {
    const config = loadConfig({
      cwd: dir,
      env: { CMA_PAPER_TRADING__TAKER_FEE: "0.0002", CMA_PAPER_TRADING__TIME_STOP_HOURS: "4" },
    });
    const o = paperBrokerOptionsFromConfig(config, "spot");
    expect(o.taker_fee).toBe(0.0002);
    // 4 h × 3 600 000 ms.
    expect(o.time_stop_ms).toBe(14_400_000);
  });

  function problems(env: Record<string, string>): readonly string[] {
    const e = thrown(() => loadConfig({ cwd: dir, env }));
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }

  it("a fee typed as a percent is out of range", () => {
    expect(problems({ CMA_PAPER_TRADING__TAKER_FEE: "0.5" })).toEqual([
      "paper_trading.taker_fee: 0.5 is out of range; expected a number from 0 to 0.1, or null for the market's taker fee (env CMA_PAPER_TRADING__TAKER_FEE)",
    ]);
  });

  it("partials must be three fractions summing to 1", () => {
    // 0.5 + 0.3 + 0.3 = 1.1.
    expect(problems({ CMA_PAPER_TRADING__PARTIALS: "0.5,0.3,0.3" })).toEqual([
      "paper_trading.partials: [0.5,0.3,0.3] sums to 1.1; the three fractions must sum to 1 (the whole position) (env CMA_PAPER_TRADING__PARTIALS)",
    ]);
    expect(problems({ CMA_PAPER_TRADING__PARTIALS: "[0.5, 0.5]" })).toEqual([
      "paper_trading.partials: [0.5,0.5] has 2 fractions; expected three, for T1, T2 and T3, like [0.5, 0.25, 0.25] (env CMA_PAPER_TRADING__PARTIALS)",
    ]);
    // Equal fractions are fine here (unlike repeats in other lists), and text items from the environment are numbers.
    expect(
      loadConfig({ cwd: dir, env: { CMA_PAPER_TRADING__PARTIALS: "0.4,0.3,0.3" } }).paper_trading.partials,
    ).toEqual([0.4, 0.3, 0.3]);
  });
});
