/**
 * Restart mid-run loses nothing: the system is stopped half-way (objects dropped, database closed), started again
 * on the same database, and every trade opened before the restart ends exactly as in a run that never stopped.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Orchestrator } from "../../src/app/orchestrator/orchestrator.js";
import { paperTradingSetup } from "../../src/app/paper-trading.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { type Config, defaultConfig } from "../../src/app/config.js";
import { DAY } from "../../src/core/interval.js";
import { LIVE_RUN, PaperTradeStore } from "../../src/learning/paper-trade-store.js";
import type { PaperTrade } from "../../src/learning/paper-trade.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { ReplayExchange } from "../../src/market/replay-exchange.js";
import { openDatabase } from "../../src/storage/database.js";
import { fillBundledHistory } from "../market/helpers.js";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const FROM = Date.parse("2025-03-01T00:00:00Z");
const MID = FROM + 12 * DAY;
const END = FROM + 30 * DAY;

function database(file: string) {
  const db = openDatabase(file);
  const store = new CandleStore(db);
  if (store.series().length === 0) fillBundledHistory(store, SYMBOLS, { until: END });
  return { db, store };
}

/** Runs the system from `from` to `to` on the database in `file`, resuming whatever it holds. */
async function runPart(file: string, config: Config, from: number, to: number): Promise<number> {
  const { db, store } = database(file);
  const clock = new SimulatedClock(from);
  const exchange = new ReplayExchange({ store, clock, exchange: "binance", market: "spot" });
  const paper = paperTradingSetup(db, config, "spot", LIVE_RUN);
  const o = new Orchestrator({
    exchange,
    store,
    clock,
    config,
    mode: "replay",
    symbols: SYMBOLS,
    marketData: "stored",
    reports: false,
    paper: paper.paper,
  });
  await o.start();
  await o.replayUntil(clock, to);
  await o.stop();
  await exchange.close();
  db.close();
  return paper.resumed.length;
}

describe("paper trading across a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-resume-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("resumes the open trades and ends them as if it had never stopped", async () => {
    const base = defaultConfig(dir);
    const config: Config = { ...base, momentum: { ...base.momentum, timeframes: ["1h", "4h"] } };
    await runPart(join(dir, "straight.db"), config, FROM, END);
    expect(await runPart(join(dir, "restarted.db"), config, FROM, MID)).toBe(0);
    const midDb = openDatabase(join(dir, "restarted.db"));
    const openAtMid = new PaperTradeStore(midDb).open(LIVE_RUN).map((t) => t.tradeId);
    midDb.close();
    // The restart falls while trades are open: those are what must survive it.
    expect(openAtMid.length).toBeGreaterThan(0);
    const resumed = await runPart(join(dir, "restarted.db"), config, MID, END);
    expect(resumed).toBe(openAtMid.length);

    const load = (f: string): PaperTrade[] => {
      const db = openDatabase(join(dir, f));
      const all = new PaperTradeStore(db).all(LIVE_RUN);
      db.close();
      return all;
    };
    const straight = load("straight.db");
    const restarted = load("restarted.db");
    const beforeMid = (ts: PaperTrade[]) => ts.filter((t) => t.entryTime < MID);
    expect(beforeMid(straight).length).toBeGreaterThan(0);
    // Every trade opened before the restart: the same fills, exits and P&L, to the last digit.
    expect(beforeMid(restarted)).toEqual(beforeMid(straight));
  }, 120_000);

  it("fills a signal that was waiting for its entry when the run stopped, as if it had not stopped", async () => {
    const base = defaultConfig(dir);
    const config: Config = { ...base, momentum: { ...base.momentum, timeframes: ["1h", "4h"] } };
    const straightFile = join(dir, "straight.db");
    if (!existsSync(straightFile)) await runPart(straightFile, config, FROM, END);
    const db = openDatabase(straightFile);
    const straight = new PaperTradeStore(db).all(LIVE_RUN);
    db.close();
    // A trade whose signal came a few days in: the run stops right after the cycle that emitted it, before the
    // candle it is filled on (the one opening at the signal's time) has closed.
    const t = straight.find((x) => x.signalData.time >= FROM + 5 * DAY && x.signalData.time < MID)!;
    expect(t).toBeDefined();
    const at = t.signalData.time;
    const file = join(dir, "pending.db");
    await runPart(file, config, FROM, at);
    const mid = openDatabase(file);
    expect(new PaperTradeStore(mid).all(LIVE_RUN).some((x) => x.tradeId === t.tradeId)).toBe(false);
    mid.close();
    // Restarted a quarter of an hour later (its first analysis is at a new instant, so only the stored signal can
    // reproduce the trade): the trade is opened and ends exactly as in the run that never stopped.
    await runPart(file, config, at + 15 * 60_000, END);
    const end = openDatabase(file);
    const after = new PaperTradeStore(end).all(LIVE_RUN);
    end.close();
    expect(after.find((x) => x.tradeId === t.tradeId)).toEqual(t);
    // …and only once.
    expect(
      after.filter((x) => x.signalData.symbol === t.signalData.symbol && x.entryTime === t.entryTime),
    ).toHaveLength(1);
  }, 120_000);
});
