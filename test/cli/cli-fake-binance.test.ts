import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SimulatedClock } from "../../src/core/clock.js";
import { BUNDLED_CANDLES_DIR } from "../../src/core/paths.js";
import { readKlineFile } from "../../src/market/binance-csv.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { bundledMarketData, type FakeBinance, startFakeBinance } from "../../src/sim/fake-binance/index.js";
import { openDatabase } from "../../src/storage/database.js";
import { cma, runInProcess, startCma } from "./run-cma.js";

/** The exchange's "now": a Saturday morning inside the bundled spot history. */
const NOW = Date.UTC(2024, 5, 1, 10, 30);
const SPOT = join(BUNDLED_CANDLES_DIR, "binance-spot");

// Each test starts the real program in a child process (about a second of CPU each); generous on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

let fake: FakeBinance;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cma-cli-fake-"));
  fake = await startFakeBinance({
    clock: new SimulatedClock(NOW),
    spot: bundledMarketData("spot"),
    futures: bundledMarketData("futures"),
  });
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const spot = (...args: string[]) => cma(["--spot", "--rest-url", fake.restUrl, ...args]);

function klinePaths(): string[] {
  return fake.requests.filter((r) => r.path.endsWith("/klines")).map((r) => r.path);
}

describe("cma markets", () => {
  it("--json lists the universe, most liquid first", async () => {
    const r = await spot("markets", "--json");
    expect(r.stderr).toBe("");
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { symbol: string; quoteVolume24h: number; lastPrice: number }[];
    expect(rows.map((x) => x.symbol).sort()).toEqual(["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]);
    const volumes = rows.map((x) => x.quoteVolume24h);
    expect(volumes).toEqual([...volumes].sort((a, b) => b - a));
    expect(rows.every((x) => Number.isFinite(x.lastPrice) && x.lastPrice > 0)).toBe(true);
  });

  it("--limit and the universe filters from the environment apply", async () => {
    const limited = await spot("markets", "--json", "--limit", "2");
    expect((JSON.parse(limited.stdout) as unknown[]).length).toBe(2);
    const excluded = await cma(["--spot", "--rest-url", fake.restUrl, "markets", "--json"], {
      env: { CMA_UNIVERSE__EXCLUDE: "BTCUSDT,ETHUSDT" },
    });
    expect((JSON.parse(excluded.stdout) as { symbol: string }[]).map((x) => x.symbol).sort()).toEqual([
      "BNBUSDT",
      "SOLUSDT",
      "XRPUSDT",
    ]);
  });

  it("prints a table on a pipe without colour codes (in-process run())", async () => {
    const r = await runInProcess(["--spot", "--rest-url", fake.restUrl, "markets"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^#\s+symbol\s+24h volume \(USDT\)\s+last price\s+24h change$/);
    expect(lines[2]).toMatch(/^1\s+BTCUSDT\s+/);
    expect(r.stdout).not.toContain("\u001b[");
  });
});

describe("cma candles", () => {
  it("--json: the closed candles equal the bundled data, and the forming one is marked", async () => {
    const r = await spot("candles", "BTCUSDT", "--interval", "4h", "--limit", "5", "--json");
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as ({ closed: boolean; time: string } & Record<string, number>)[];
    const closed = rows.filter((c) => c.closed);
    const forming = rows.filter((c) => !c.closed);
    expect(closed).toHaveLength(5);
    expect(forming).toHaveLength(1);
    expect(forming[0]?.openTime).toBe(Date.UTC(2024, 5, 1, 8));
    const bundled = readKlineFile(join(SPOT, "BTCUSDT-4h.csv.gz"));
    const expected = bundled.filter(
      (c) => c.openTime >= Date.UTC(2024, 4, 31, 12) && c.openTime < Date.UTC(2024, 5, 1, 8),
    );
    expect(expected).toHaveLength(5);
    expect(closed.map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.volume])).toEqual(
      expected.map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.volume]),
    );
    expect(closed[0]?.time).toBe("2024-05-31T12:00:00.000Z");
  });

  it("shows a table with UTC times and the forming candle", async () => {
    const r = await runInProcess(["--spot", "--rest-url", fake.restUrl, "candles", "ethusdt", "-i", "1d", "-n", "3"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^time \(UTC\)\s+open\s+high\s+low\s+close\s+volume\s+closed$/);
    expect(lines).toHaveLength(2 + 4);
    expect(lines[2]).toMatch(/^2024-05-29 00:00\s/);
    expect(lines[5]).toMatch(/^2024-06-01 00:00\s.*forming$/);
  });

  it("an unknown symbol is the exchange's message, exit 2", async () => {
    const r = await spot("candles", "NOPEUSDT");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.split("\n")[0]).toMatch(/^error: Unknown symbol NOPEUSDT/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("cma download", () => {
  it("downloads into the store, then a second run fetches nothing", async () => {
    const dataDir = join(dir, "download");
    const args = [
      "download",
      "--symbols",
      "BTCUSDT,ETHUSDT",
      "--intervals",
      "1h,4h,1d",
      "--from",
      "2024-05-01",
      "--to",
      "2024-05-31",
      "--data-dir",
      dataDir,
    ];
    const before = klinePaths().length;
    const first = await spot(...args);
    expect(first.stderr).not.toMatch(/error/);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^symbol\s+interval\s+source\s+fetched\s+derived\s+present\s+missing\s+halted\s+status$/m,
    );
    expect(klinePaths().length).toBeGreaterThan(before);

    const db = openDatabase(join(dataDir, "candles.db"), { readonly: true });
    try {
      const store = new CandleStore(db);
      for (const [symbol, interval, count] of [
        ["BTCUSDT", "1h", 31 * 24],
        ["ETHUSDT", "4h", 31 * 6],
        ["BTCUSDT", "1d", 31],
      ] as const) {
        const key = { exchange: "binance", market: "spot", symbol, interval } as const;
        const stored = store.range(key, Date.UTC(2024, 4, 1), Date.UTC(2024, 4, 31, 23));
        expect(stored).toHaveLength(count);
        const bundled = readKlineFile(join(SPOT, `${symbol}-${interval}.csv.gz`)).filter(
          (c) => c.openTime >= Date.UTC(2024, 4, 1) && c.openTime < Date.UTC(2024, 5, 1),
        );
        expect(stored.map((c) => [c.openTime, c.open, c.high, c.low, c.close])).toEqual(
          bundled.map((c) => [c.openTime, c.open, c.high, c.low, c.close]),
        );
        // 4h and 1d are derived from 1h (no weight spent); their volumes are sums, equal up to float rounding.
        stored.forEach((c, i) => {
          expect(c.volume).toBeCloseTo(bundled[i]?.volume ?? Number.NaN, 6);
        });
      }
    } finally {
      db.close();
    }

    const mid = klinePaths().length;
    const second = await spot(...args, "--json");
    expect(second.code, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout) as {
      series: { fetched: number; derived: number; alreadyPresent: number }[];
      weight: number;
    };
    expect(report.series.reduce((n, s) => n + s.fetched + s.derived, 0)).toBe(0);
    expect(report.series.every((s) => s.alreadyPresent > 0)).toBe(true);
    expect(report.weight).toBe(0);
    expect(klinePaths().length).toBe(mid);
  });

  it("without --symbols/--intervals: the configured universe and sr_detector.timeframes", async () => {
    const r = await runInProcess(
      ["--spot", "--rest-url", fake.restUrl, "download", "--from", "2024-05-25", "--to", "2024-05-31", "--json"],
      {
        env: {
          CMA_UNIVERSE__MAX_SYMBOLS: "2",
          CMA_SR_DETECTOR__TIMEFRAMES: "1w,1d",
          CMA_DATA_DIR: join(dir, "universe"),
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { series: { symbol: string; interval: string }[] };
    expect(report.series.map((s) => `${s.symbol} ${s.interval}`).sort()).toEqual([
      "BTCUSDT 1d",
      "BTCUSDT 1w",
      "ETHUSDT 1d",
      "ETHUSDT 1w",
    ]);
  });

  it("an unknown symbol fails that series with the exchange's message, exit 2", async () => {
    const r = await spot(
      "download",
      "--symbols",
      "NOPEUSDT",
      "--intervals",
      "1d",
      "--from",
      "2024-05-01",
      "--to",
      "2024-05-03",
      "--data-dir",
      join(dir, "unknown"),
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error: NOPEUSDT 1d: Unknown symbol NOPEUSDT/);
  });
});

describe("Ctrl-C", () => {
  it("stops a download, keeps what was saved (exit 130), and the next run resumes", async () => {
    const dataDir = join(dir, "interrupted");
    const args = ["--spot", "--rest-url", fake.restUrl, "download", "--symbols", "BTCUSDT", "--intervals", "1h"];
    const range = ["--from", "2023-01-01", "--to", "2024-05-31", "--concurrency", "1", "--data-dir", dataDir];
    fake.inject({ kind: "delay", ms: 300, path: "/api/v3/klines", times: 1000 });
    try {
      const run = startCma([...args, ...range]);
      // The first progress line appears once the first page is stored.
      while (!run.stderr().includes("download ")) await new Promise((r) => setTimeout(r, 50));
      run.child.kill("SIGINT");
      const r = await run.done;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain("interrupted: the candles downloaded so far are saved");
    } finally {
      fake.reset();
    }
    const again = await cma([...args, ...range, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { series: { alreadyPresent: number; fetched: number }[] };
    const s = report.series[0];
    expect(s?.alreadyPresent).toBeGreaterThan(0);
    expect((s?.alreadyPresent ?? 0) + (s?.fetched ?? 0)).toBe(12_407);
  });
});

describe("colours", () => {
  it("FORCE_COLOR turns them on in a pipe; --no-color wins", async () => {
    const on = await runInProcess(["--spot", "--rest-url", fake.restUrl, "markets"], { env: { FORCE_COLOR: "1" } });
    expect(on.stdout).toContain("\u001b[");
    const off = await cma(["--spot", "--rest-url", fake.restUrl, "--no-color", "markets"], {
      env: { FORCE_COLOR: "1" },
    });
    expect(off.stdout).not.toContain("\u001b[");
  });
});

describe("cma import", () => {
  it("imports the bundled spot dumps, reporting the real exchange halt", async () => {
    const dataDir = join(dir, "import");
    const r = await cma(["import", SPOT, "--market", "spot", "--data-dir", dataDir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      market: string;
      series: { symbol: string; interval: string; rows: number; gaps: { from: number; kind: string }[] }[];
      skipped: unknown[];
      imported: number;
    };
    expect(report.market).toBe("spot");
    expect(report.skipped).toEqual([]);
    expect(report.series).toHaveLength(14);
    const btc1h = report.series.find((s) => s.symbol === "BTCUSDT" && s.interval === "1h");
    expect(btc1h?.gaps).toEqual([
      expect.objectContaining({ from: Date.UTC(2023, 2, 24, 12), kind: "halt" }),
      expect.objectContaining({ from: Date.UTC(2023, 2, 24, 13), kind: "missing" }),
    ]);
    expect(report.imported).toBe(report.series.reduce((n, s) => n + s.rows, 0));

    const doctor = await runInProcess(["doctor", "--json", "--data-dir", dataDir]);
    expect(doctor.code, doctor.stderr).toBe(0);
    const d = JSON.parse(doctor.stdout) as { series: { symbol: string; interval: string; count: number }[] };
    expect(d.series).toHaveLength(14);
    expect(d.series.find((s) => s.symbol === "BTCUSDT" && s.interval === "1h")?.count).toBe(btc1h?.rows);

    const again = await cma(["import", SPOT, "--market", "spot", "--data-dir", dataDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("14 files read, 0 candles new");
  });
});
