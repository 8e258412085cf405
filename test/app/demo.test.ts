import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type DemoReport, runDemo } from "../../src/app/demo.js";
import { BUNDLED_CANDLES_DIR } from "../../src/core/paths.js";
import { readKlineFile } from "../../src/market/binance-csv.js";

describe("the offline demo", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-demo-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let text = "";
  let report: DemoReport;

  it("runs the real pipeline against the fake exchange and survives a dropped connection", async () => {
    report = await runDemo({
      dataDir: join(dir, "data"),
      outputDir: join(dir, "out"),
      write: (s) => {
        text += s;
      },
      liveHours: 6,
      stepMs: 5,
    });
    expect(report.live.reconnects).toBe(1);
    // The connection is down for two hours: every stream back-fills the candles that closed meanwhile.
    expect(report.live.backfilled).toBeGreaterThanOrEqual(5 * 2);
    // 6 hours of 1h candles for 5 symbols, plus 15m for 2, arrive closed (live or back-filled).
    expect(report.live.closedCandles).toBeGreaterThanOrEqual(5 * 6 + 2 * 24);
    expect(report.history.candlesDerived).toBeGreaterThan(0);
    expect(report.history.weight).toBeGreaterThan(0);
    expect(report.weight.spent).toBeLessThan(report.weight.limitPerMinute);
    expect(text).toContain("stream reconnected");
    expect(text).toContain("back-filled");
  });

  it("shows the last closed 1h close of the recorded data as the snapshot price", () => {
    const h1 = readKlineFile(join(BUNDLED_CANDLES_DIR, "binance-spot", "BTCUSDT-1h.csv.gz"));
    const start = Date.parse(report.startedAt);
    const lastClosed = h1.filter((c) => c.closeTime < start).at(-1);
    const btc = report.snapshot.find((r) => r.symbol === "BTCUSDT");
    expect(btc?.price).toBe(lastClosed?.close);
    expect(btc?.rsi["1h"]).toBeGreaterThan(0);
    expect(btc?.rsi["1h"]).toBeLessThan(100);
    // The S/R agent's nearest zones straddle the price.
    expect(btc?.nearestSupport?.price).toBeLessThanOrEqual(btc!.price);
    expect(btc?.nearestResistance?.price).toBeGreaterThan(btc!.price);
    expect(btc?.zones).toBeGreaterThan(5);
  });

  it("writes its report as JSON in the output folder", () => {
    const saved = JSON.parse(readFileSync(join(dir, "out", "demo_report.json"), "utf8")) as DemoReport;
    expect(saved.symbols).toEqual(["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"]);
    expect(saved.live).toEqual(report.live);
  });
});
