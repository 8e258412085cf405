/**
 * `cma analyze` and `cma levels` against the fake Binance serving the bundled candles. One run starts the real
 * program in a child process; the rest go through run() in this process (same code, a second less each).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type SymbolAnalysis, type ZoneSummary, zoneSummary } from "../../src/agents/symbol-analysis.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { HOUR, type Interval } from "../../src/core/interval.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { bundledMarketData, type FakeBinance, startFakeBinance } from "../../src/sim/fake-binance/index.js";
import { openDatabase } from "../../src/storage/database.js";
import { bundled, key } from "../market/helpers.js";
import { cma, runInProcess } from "./run-cma.js";

vi.setConfig({ testTimeout: 120_000 });

/** The exchange's "now" for most tests, inside the bundled BTC 5m recording (2025-11 .. 2026-02-19). */
const T0 = Date.UTC(2026, 0, 20, 10, 30);
const T0_ISO = "2026-01-20T10:30Z";
/** Later the same day, for the replay test. */
const T1 = Date.UTC(2026, 0, 20, 16, 45);
/** Nothing listens on port 9 (discard): any request there fails at once. */
const NO_NETWORK = "http://127.0.0.1:9";

let fake: FakeBinance;
let clock: SimulatedClock;
let dir: string;
/** `cma analyze BTCUSDT --json` at T0, from the child-process run. */
let atT0: SymbolAnalysis;
let atT0Text: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cma-cli-analyze-"));
  clock = new SimulatedClock(T0);
  fake = await startFakeBinance({ clock, spot: bundledMarketData("spot"), futures: bundledMarketData("futures") });
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const spotArgs = (dataDir: string, ...args: string[]) => [
  "--spot",
  "--rest-url",
  fake.restUrl,
  "--data-dir",
  join(dir, dataDir),
  ...args,
];
const klineRequests = () => fake.requests.filter((r) => r.path.endsWith("/klines")).length;

const ZONE_FIELDS = ["low", "high", "price", "type", "touches", "timeframes", "score"];

function expectZone(z: ZoneSummary, price: number): void {
  expect(Object.keys(z)).toEqual(ZONE_FIELDS);
  expect(z.low).toBeLessThanOrEqual(z.price);
  expect(z.price).toBeLessThanOrEqual(z.high);
  expect(z.type).toBe(z.price <= price ? "support" : "resistance");
  expect(Number.isInteger(z.touches) && z.touches >= 2).toBe(true);
  expect(z.timeframes.length).toBeGreaterThan(0);
  expect(z.score).toBeGreaterThanOrEqual(0);
  expect(z.score).toBeLessThanOrEqual(100);
}

describe("cma analyze (live, against the fake exchange)", () => {
  it("--json: the documented fields, the exchange's price and the last closed candles", async () => {
    const r = await cma(spotArgs("live", "analyze", "BTCUSDT", "--json"));
    expect(r.code, r.stderr).toBe(0);
    // The first run syncs; the note says so on stderr, stdout stays one JSON document.
    expect(r.stderr).toMatch(/^BTCUSDT: [\d,]+ candles fetched, [\d,]+ derived \(\d+ requests, weight \d+\)\n$/);
    const a = JSON.parse(r.stdout) as SymbolAnalysis;
    atT0 = a;
    expect(Object.keys(a)).toEqual([
      "symbol",
      "time",
      "baseInterval",
      "price",
      "priceSource",
      "timeframes",
      "missing",
      "evidence",
      "zones",
      "nearestSupport",
      "nearestResistance",
      "priceAction",
      "momentum",
      "volume",
      "orderFlow",
      "volumeProfile",
    ]);
    expect(a.symbol).toBe("BTCUSDT");
    expect(a.time).toBe(T0);
    expect(a.baseInterval).toBe("1h");
    expect(a.missing).toEqual([]);

    // Price: the latest close the exchange had at 10:30 — its 15m candle of 10:15, i.e. the 5m candle of 10:25.
    const m5 = bundled("spot", "BTCUSDT", "5m").find((c) => c.openTime === T0 - 5 * 60_000);
    expect(a.priceSource).toBe("forming");
    expect(a.price).toBe(m5?.close);

    expect(Object.keys(a.timeframes)).toEqual(["15m", "1h", "4h", "1d"]);
    const h1 = bundled("spot", "BTCUSDT", "1h").find((c) => c.openTime === Date.UTC(2026, 0, 20, 9));
    expect(a.timeframes["1h"]?.openTime).toBe(Date.UTC(2026, 0, 20, 9)); // 10:00 is still forming at 10:30
    expect(a.timeframes["1h"]?.close).toBe(h1?.close);
    expect(a.timeframes["15m"]?.openTime).toBe(Date.UTC(2026, 0, 20, 10, 15));
    expect(a.timeframes["4h"]?.openTime).toBe(Date.UTC(2026, 0, 20, 4));
    expect(a.timeframes["1d"]?.openTime).toBe(Date.UTC(2026, 0, 19));
    for (const tf of Object.values(a.timeframes)) {
      expect(Object.keys(tf)).toEqual(["openTime", "close", "rsi", "macd", "atr", "obv"]);
      expect(tf.rsi).toBeGreaterThanOrEqual(0);
      expect(tf.rsi).toBeLessThanOrEqual(100);
      expect(Object.keys(tf.macd)).toEqual(["line", "signal", "histogram"]);
      expect(tf.macd.histogram).toBeCloseTo(tf.macd.line - tf.macd.signal, 9);
      expect(tf.atr).toBeGreaterThan(0);
      expect(typeof tf.obv).toBe("number");
    }

    expect(a.priceAction.time).toBe(Date.UTC(2026, 0, 20, 9));
    expect(a.priceAction.close).toBe(h1?.close);
    expect(Object.keys(a.priceAction.changes)).toEqual(["1h", "4h", "24h"]);
    expect(["up", "down", "sideways"]).toContain(a.priceAction.direction);
    expect(Object.keys(a.momentum.timeframes)).toEqual(["15m", "1h", "4h"]);
    expect(a.momentum.timeframes["1h"]?.rsi).toBe(a.timeframes["1h"]?.rsi);
    expect(a.volume.time).toBe(Date.UTC(2026, 0, 20, 9));
    expect(a.volume.volume).toBe(h1?.volume);
    expect(a.volume.volumeScore).toBeGreaterThanOrEqual(0);
    expect(a.volume.volumeScore).toBeLessThanOrEqual(10);
    expect(["INCREASING", "DECREASING", "STABLE"]).toContain(a.volume.trend);
    // The bundled spot dumps have no taker split: order flow says so instead of inventing a zero delta.
    expect(a.orderFlow).toEqual({ available: false, reason: expect.stringMatching(/taker/), candles: 24 });
    expect(a.volumeProfile.available).toBe(true);
    expect(a.volumeProfile.candles).toBe(168);
    const { poc, valueAreaLow, valueAreaHigh } = a.volumeProfile;
    expect(valueAreaLow! <= poc! && poc! <= valueAreaHigh!).toBe(true);

    expect(a.zones.length).toBeGreaterThan(5);
    for (const z of a.zones) expectZone(z, a.price);
    const scores = a.zones.map((z) => z.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    const supports = a.zones.filter((z) => z.type === "support");
    const resistances = a.zones.filter((z) => z.type === "resistance");
    expect(a.nearestSupport).toEqual(supports.reduce((b, z) => (z.price > b.price ? z : b)));
    expect(a.nearestResistance).toEqual(resistances.reduce((b, z) => (z.price < b.price ? z : b)));
  });

  it("levels --json: the same zones with their detail, and a second run fetches nothing", async () => {
    const before = klineRequests();
    const r = await runInProcess(spotArgs("live", "levels", "BTCUSDT", "--json"));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(klineRequests()).toBe(before);
    const l = JSON.parse(r.stdout) as {
      time: number;
      price: number;
      zones: (ZoneSummary & { distancePct: number; touchesByTimeframe: { touches: number }[] })[];
      nearestSupport: ZoneSummary;
      timeframesUsed: Interval[];
    };
    expect(l.time).toBe(T0);
    expect(l.price).toBe(atT0.price);
    expect(l.zones.map(zoneSummary)).toEqual(atT0.zones);
    expect(zoneSummary(l.nearestSupport)).toEqual(atT0.nearestSupport);
    expect(l.timeframesUsed).toEqual(["1M", "1w", "3d", "1d", "4h", "1h"]);
    for (const z of l.zones) {
      expect(z.distancePct).toBeCloseTo((Math.abs(z.price - l.price) / l.price) * 100, 9);
      expect(z.touchesByTimeframe.reduce((n, t) => n + t.touches, 0)).toBe(z.touches);
    }
    const limited = await runInProcess(spotArgs("live", "levels", "BTCUSDT", "--json", "--limit", "3"));
    expect((JSON.parse(limited.stdout) as { zones: ZoneSummary[] }).zones.map(zoneSummary)).toEqual(
      atT0.zones.slice(0, 3),
    );
  });

  it("prints readable summaries (offline from the store with --at)", async () => {
    const args = ["--spot", "--rest-url", NO_NETWORK, "--data-dir", join(dir, "live")];
    const a = await runInProcess([...args, "analyze", "BTCUSDT", "--at", T0_ISO]);
    expect(a.code, a.stderr).toBe(0);
    atT0Text = a.stdout;
    const lines = a.stdout.split("\n");
    expect(lines[0]).toMatch(/^BTCUSDT\s+binance spot\s+2026-01-20 10:30 UTC$/);
    expect(lines[1]).toBe(`Price ${atT0.price.toLocaleString("en-US", { minimumFractionDigits: 2 })}`);
    expect(a.stdout).toMatch(
      /^tf\s+candle \(UTC\)\s+close\s+RSI\s+status\s+MACD\s+signal\s+hist\s+MACD cross\s+ATR\s+OBV trend$/m,
    );
    expect(a.stdout).toMatch(/^1h\s+2026-01-20 09:00\s/m);
    for (const title of ["Price action (1h)", "Volume (1h)", "Order flow", "Volume profile (168 candles)"]) {
      expect(lines).toContain(title);
    }
    expect(a.stdout).toContain("  unavailable: no taker buy/sell split");
    expect(a.stdout).toContain(
      `S/R zones (top 5 of ${atT0.zones.length}, strongest first; cma levels BTCUSDT lists all)`,
    );
    expect(a.stdout).toMatch(/^Nearest support [\d,.]+ \(.*\) · nearest resistance [\d,.]+ \(.*\)$/m);

    const l = await runInProcess([...args, "levels", "BTCUSDT", "--at", T0_ISO, "--limit", "4"]);
    expect(l.code, l.stderr).toBe(0);
    const rows = l.stdout.split("\n").filter((s) => /^\s*\d+\s+[\d,.]+ – /.test(s));
    expect(rows).toHaveLength(4);
    const first = atT0.zones[0]!;
    expect(rows[0]).toMatch(
      new RegExp(`^\\s*1\\s+.*\\s${first.type}\\s+${first.touches}\\s+${first.timeframes.join(" ")}\\s`),
    );
    expect(l.stdout).toContain(`${atT0.zones.length} S/R zones, the strongest 4 shown`);
    const marked = atT0.zones.slice(0, 4).findIndex((z) => z.price === atT0.nearestSupport?.price);
    if (marked >= 0) expect(rows[marked]).toMatch(/◀ nearest support$/);
  });

  it("the config's agent sections drive the analysis", async () => {
    const r = await runInProcess(
      ["--spot", "--rest-url", NO_NETWORK, "--data-dir", join(dir, "live"), "analyze", "BTCUSDT", "--json"].concat(
        "--at",
        T0_ISO,
      ),
      {
        env: {
          CMA_SR_DETECTOR__TIMEFRAMES: "1d,4h",
          CMA_SR_DETECTOR__MIN_TOUCHES: "8",
          CMA_SR_DETECTOR__CONFLUENCE_TOLERANCE: "0.005",
          CMA_MOMENTUM__OVERSOLD: "25",
          CMA_PRICE_ACTION__CHANGE_WINDOWS: "2h,3d",
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout) as SymbolAnalysis;
    expect(a.zones.length).toBeGreaterThan(0);
    expect(a.zones).not.toEqual(atT0.zones);
    for (const z of a.zones) {
      expect(z.touches).toBeGreaterThanOrEqual(8);
      expect(z.timeframes.every((tf) => tf === "1d" || tf === "4h")).toBe(true);
      expect((z.high - z.low) / ((z.high + z.low) / 2)).toBeLessThanOrEqual(0.005 + 1e-12);
    }
    const rsis = Object.entries(a.momentum.timeframes).map(([tf, f]) => [tf, f.rsi] as const);
    expect(a.momentum.oversoldOn).toEqual(rsis.filter(([, rsi]) => rsi < 25).map(([tf]) => tf));
    expect(Object.keys(a.priceAction.changes)).toEqual(["2h", "3d"]);
    // Everything the config does not touch is unchanged.
    expect(a.timeframes).toEqual(atT0.timeframes);
    expect(a.volume).toEqual(atT0.volume);
  });

  it("--at from the store alone equals the analysis made at that time (nothing later leaks in)", async () => {
    clock.set(T1);
    const later = await runInProcess(spotArgs("replay", "analyze", "BTCUSDT", "--json"));
    expect(later.code, later.stderr).toBe(0);
    const atT1 = JSON.parse(later.stdout) as SymbolAnalysis;
    expect(atT1.time).toBe(T1);
    expect(atT1.timeframes["1h"]?.openTime).toBe(Date.UTC(2026, 0, 20, 15));
    expect(atT1.price).not.toBe(atT0.price);

    // The store now holds candles up to 16:45; asked about 10:30 with no network, it must see 10:30's market only.
    const requests = fake.requests.length;
    const replay = await runInProcess([
      "--spot",
      "--rest-url",
      NO_NETWORK,
      "--data-dir",
      join(dir, "replay"),
      "analyze",
      "BTCUSDT",
      "--json",
      "--at",
      T0_ISO,
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toBe("");
    expect(JSON.parse(replay.stdout)).toEqual(atT0);
    expect(fake.requests.length).toBe(requests);
    const text = await runInProcess(
      ["--spot", "--rest-url", NO_NETWORK, "--data-dir", join(dir, "replay"), "analyze", "BTCUSDT"].concat(
        "--at",
        T0_ISO,
      ),
    );
    expect(text.stdout).toBe(atT0Text);
  });
});

describe("cma analyze: what goes wrong", () => {
  it("an unknown symbol is the exchange's message, exit 2", async () => {
    const r = await runInProcess(spotArgs("unknown", "analyze", "NOPEUSDT"));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: Unknown symbol NOPEUSDT on Binance spot/m);
    expect(r.stdout).toBe("");
  });

  it("an interval the exchange does not offer names the setting that asked for it, exit 2", async () => {
    const r = await runInProcess(
      ["--futures", "--rest-url", fake.restUrl, "--data-dir", join(dir, "futures"), "analyze", "ALGOUSDT"],
      { env: { CMA_MOMENTUM__TIMEFRAMES: "1s,1h" } },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^error: binance futures does not offer 1s candles, which momentum\.timeframes asks for\.\nhint: Use another interval in momentum\.timeframes\./m,
    );
  });

  it("a market without enough history on the exchange: the count, what is needed, and why downloading won't help", async () => {
    // The bundled ALGOUSDT futures candles end long before the fake's now.
    const r = await runInProcess([
      "--futures",
      "--rest-url",
      fake.restUrl,
      "--data-dir",
      join(dir, "futures"),
      "analyze",
      "ALGOUSDT",
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^error: ALGOUSDT 1h: 0 closed candles by .*, the price-action and volume analysis needs at least \d+\.$/m,
    );
    expect(r.stderr).toMatch(/^hint: binance futures has no earlier ALGOUSDT candles: a new listing needs time/m);
    expect(r.stderr).not.toContain("this is a bug");
  });

  it("--at: too little stored history says how much to download; a young market is analysed on what it has", async () => {
    const dataDir = join(dir, "young");
    const db = openDatabase(join(dataDir, "candles.db"));
    const start = Date.UTC(2025, 5, 1);
    try {
      const hours = bundled("spot", "SOLUSDT", "1h").filter((c) => c.openTime >= start);
      new CandleStore(db).upsert(key("SOLUSDT", "1h"), hours.slice(0, 600));
    } finally {
      db.close();
    }
    const run = (at: number, ...more: string[]) =>
      runInProcess([
        "--spot",
        "--data-dir",
        dataDir,
        "analyze",
        "SOLUSDT",
        "--at",
        new Date(at).toISOString(),
        ...more,
      ]);

    const early = await run(start + 20 * HOUR);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /^error: SOLUSDT 1h: 20 closed candles by 2025-06-01T20:00:00\.000Z, the price-action and volume analysis needs at least \d+\.$/m,
    );
    expect(early.stderr).toMatch(
      /^hint: Download more history, e\.g\. cma download --symbols SOLUSDT --intervals 1h --from 2025-/m,
    );

    const young = await run(start + 600 * HOUR, "--json");
    expect(young.code, young.stderr).toBe(0);
    const a = JSON.parse(young.stdout) as SymbolAnalysis;
    // 25 days of 1h: no 15m at all, 25 daily candles (the indicators need 34), too few weeks and months for a pivot.
    expect(Object.keys(a.timeframes)).toEqual(["1h", "4h"]);
    expect(a.missing.map((m) => `${m.part} ${m.interval} ${m.candles}`)).toEqual([
      "timeframes 15m 0",
      "timeframes 1d 25",
      "zones 1M 0",
      "zones 1w 3",
    ]);
    expect(a.momentum.missing.map((m) => m.interval)).toEqual(["15m"]);
    expect(a.zones.every((z) => z.timeframes.every((tf) => ["3d", "1d", "4h", "1h"].includes(tf)))).toBe(true);
    const text = await run(start + 600 * HOUR);
    expect(text.stdout).toContain("\nLeft out for lack of history\n  timeframe 15m: 0 closed 15m candles");
  });

  it("--at without a candle store says how to make one", async () => {
    const r = await runInProcess(["--spot", "--data-dir", join(dir, "none"), "levels", "BTCUSDT", "--at", T0_ISO]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: --at analyses stored candles only, and there is no candle store at .*candles\.db\.$/m,
    );
    expect(r.stderr).toMatch(/^hint: Run "cma analyze BTCUSDT" once without --at/m);
  });
});
