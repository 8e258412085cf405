/**
 * Adding an agent is one module and one registry line: an agent defined only here, registered beside the built-in
 * ones, is configured, analysed, printed by `cma analyze`, timed on the status board and named on the banner like
 * them — with no change anywhere else.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AgentDefinition, AnyAgent } from "../../src/agents/agent.js";
import { AGENTS } from "../../src/agents/registry.js";
import { runBacktest } from "../../src/app/backtest.js";
import { defaultConfig, loadConfig } from "../../src/app/config.js";
import { Orchestrator } from "../../src/app/orchestrator/orchestrator.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { int } from "../../src/core/config-schema.js";
import { ConfigError } from "../../src/core/errors.js";
import { DAY } from "../../src/core/interval.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { ReplayExchange } from "../../src/market/replay-exchange.js";
import { openDatabase } from "../../src/storage/database.js";
import { renderBanner } from "../../src/ui/banner.js";
import { createColors } from "../../src/ui/colors.js";
import { bundled } from "../market/helpers.js";
import { runInProcess, storedHistoryArgs, storedHistoryDir } from "../cli/run-cma.js";

const section = z.strictObject({ window: int(1, 500, "of candles").default(10) });

interface CandleBody {
  readonly window: number;
  /** Mean of |close − open| / (high − low) over the window's candles with a range. */
  readonly meanBodyShare: number;
}

/** A small real agent: how much of each candle's range its body fills, on the base interval. */
const candleBodyAgent: AgentDefinition<{ window: number }, { candleBody: CandleBody }, "candle_body", typeof section> =
  {
    name: "candle-body",
    title: "Candle Body Agent",
    icon: "🕯️",
    role: "candle bodies against their ranges",
    publishes: ["candleBody"],
    optionsKey: "candleBody",
    config: { key: "candle_body", section, intervalKeys: [], fromConfig: (s) => ({ window: s.window }) },
    resolve: (given) => ({ window: given?.window ?? 10 }),
    reads: (o, s) => [{ interval: s.baseInterval, candles: o.window, indicators: false }],
    analyze(ctx, o) {
      const s = ctx.series(ctx.settings.baseInterval);
      return { candleBody: { window: o.window, meanBodyShare: bodyShare(s.open, s.high, s.low, s.close, o.window) } };
    },
    unavailable: () => null,
    describe: (out) => [`mean body ${(out.candleBody.meanBodyShare * 100).toFixed(1)}% of the range`],
  };

function bodyShare(
  open: ArrayLike<number>,
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  window: number,
): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(0, open.length - window); i < open.length; i++) {
    const range = high[i]! - low[i]!;
    if (range <= 0) continue;
    sum += Math.abs(close[i]! - open[i]!) / range;
    n++;
  }
  return n > 0 ? sum / n : 0;
}

const agents: readonly AnyAgent[] = [...AGENTS, candleBodyAgent];
const T = Date.parse("2025-04-01T00:00:00Z");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("an agent registered only in a test", () => {
  it("has a config section: defaults, environment, file, and errors naming its key", () => {
    expect(defaultConfig(tmpdir(), agents)).toMatchObject({ candle_body: { window: 10 } });
    expect(loadConfig({ env: { CMA_CANDLE_BODY__WINDOW: "7" }, file: false, agents })).toMatchObject({
      candle_body: { window: 7 },
    });
    const dir = mkdtempSync(join(tmpdir(), "cma-registry-"));
    dirs.push(dir);
    writeFileSync(join(dir, "cma.yaml"), "candle_body:\n  window: 0\n");
    expect(() => loadConfig({ cwd: dir, env: {}, agents })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd: dir, env: {}, agents })).toThrow(
      /candle_body\.window: 0 is out of range; expected a whole number of candles from 1 to 500/,
    );
    // Without the agent, its section is an unknown key like any typo.
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/candle_body: unknown key/);
  });

  it("appears in cma analyze --json and in its text, and in cma doctor", async () => {
    const dir = storedHistoryDir("cma-registry-cli-", ["BTCUSDT"], T);
    dirs.push(dir);
    const env = { CMA_CANDLE_BODY__WINDOW: "24" };
    const args = storedHistoryArgs(dir, "analyze", "BTCUSDT", "--at", "2025-03-31T00:00Z");
    const r = await runInProcess([...args, "--json"], { env, agents });
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout) as { candleBody: CandleBody; zones: unknown[] };
    const h1 = bundled("spot", "BTCUSDT", "1h").filter((c) => c.closeTime < Date.parse("2025-03-31T00:00Z"));
    const col = (f: "open" | "high" | "low" | "close") => h1.map((c) => c[f]);
    expect(a.candleBody).toEqual({
      window: 24,
      meanBodyShare: bodyShare(col("open"), col("high"), col("low"), col("close"), 24),
    });
    expect(a.candleBody.meanBodyShare).toBeGreaterThan(0);
    expect(a.zones.length).toBeGreaterThan(0);

    const text = await runInProcess(args, { env, agents });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("🕯️ Candle Body Agent\n");
    expect(text.stdout).toMatch(/^ {2}mean body \d+\.\d% of the range$/m);

    const doctor = await runInProcess([...storedHistoryArgs(dir, "doctor", "--json")], { env, agents });
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain('"candle_body.window"');
  });

  it("is timed on the status board and named on the banner, and the built-in agents' signals do not change", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cma-registry-board-"));
    dirs.push(dir);
    const db = openDatabase(join(dir, "candles.db"));
    const store = new CandleStore(db);
    for (const tf of ["1h", "1d"] as const) {
      store.upsert(
        { exchange: "binance", market: "spot", symbol: "BTCUSDT", interval: tf },
        bundled("spot", "BTCUSDT", tf).filter((c) => c.closeTime < T),
      );
    }
    const base = defaultConfig(dir, agents);
    const config = { ...base, momentum: { ...base.momentum, timeframes: ["1h", "4h"] as const } };
    const clock = new SimulatedClock(T - 2 * DAY);
    const exchange = new ReplayExchange({ store, clock, exchange: "binance", market: "spot" });
    const orchestrator = new Orchestrator({
      agents,
      exchange,
      store,
      clock,
      config,
      mode: "replay",
      symbols: ["BTCUSDT"],
      marketData: "stored",
      reports: false,
    });
    try {
      const info = await orchestrator.start();
      await orchestrator.replayUntil(clock, T - DAY);
      const names = orchestrator.board.snapshot().map((a) => a.name);
      expect(names.slice(1, 8)).toEqual([...AGENTS.map((a) => a.name), "candle-body"]);
      const status = orchestrator.board.snapshot().find((a) => a.name === "candle-body")!;
      expect(status).toMatchObject({ title: "Candle Body Agent", state: "idle", runs: 25, symbols: 1, errors: 0 });
      expect(status.lastDurationMs).toBeGreaterThan(0);
      const banner = renderBanner(
        {
          version: "test",
          exchange: "binance",
          market: "spot",
          endpointNote: null,
          weightLimitPerMinute: 6000,
          agents: info.agents,
          paper: null,
          symbols: 1,
          quoteAsset: "USDT",
          withZones: info.withZones,
          knowledgeObservations: null,
          reportEveryMs: null,
          outputDir: dir,
        },
        createColors(false),
      );
      expect(banner).toContain("✅ 8 agents initialized:");
      expect(banner).toContain("   🕯️ Candle Body Agent — candle bodies against their ranges");
    } finally {
      await orchestrator.stop();
      await exchange.close();
    }

    // An added agent that synthesis does not read changes no signal or trade.
    const backtest = (withAgents: readonly AnyAgent[] | undefined) =>
      runBacktest({
        store,
        exchange: "binance",
        market: "spot",
        config,
        symbols: ["BTCUSDT"],
        from: T - 20 * DAY,
        to: T,
        broker: { taker_fee: 0.001 },
        agents: withAgents,
      });
    const [plain, added] = [await backtest(undefined), await backtest(agents)];
    expect(plain.signals.length).toBeGreaterThan(0);
    expect(JSON.stringify(added.signals)).toBe(JSON.stringify(plain.signals));
    expect(JSON.stringify(added.trades)).toBe(JSON.stringify(plain.trades));
    db.close();
  }, 60_000);
});
