import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_SYMBOLS, type DemoReport, runDemo } from "../../src/app/demo.js";
import { defaultConfig } from "../../src/core/config.js";
import { stripAnsi } from "../../src/ui/colors.js";
import { displayWidth } from "../../src/ui/table.js";

describe("the offline demo", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-demo-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let text = "";
  let report: DemoReport;

  it("replays real candles through the orchestrator, survives a dropped connection and fires the signals", async () => {
    const config = { ...defaultConfig(dir), data_dir: join(dir, "data"), output_dir: join(dir, "out") };
    report = await runDemo({
      config,
      write: (s) => {
        text += s;
      },
      days: 3,
    });
    expect(report.live.reconnects).toBe(1);
    // Two hours pass while the connection is down: the streams back-fill what closed meanwhile over REST.
    expect(report.live.backfilled).toBeGreaterThanOrEqual(5 * 2);
    expect(report.history.candlesDerived).toBeGreaterThan(0);
    // 3 days of 15m cycles, plus the one at start, less the 8 skipped while disconnected.
    expect(report.live.cycles).toBe(3 * 96 + 1 - 8);
    // The 16:00 analysis of 2026-01-16 gives BTC, ETH and SOL SHORT signals.
    const at16 = report.signals.filter((s) => s.time === Date.parse("2026-01-16T16:00:00Z"));
    expect(at16.map((s) => s.symbol).sort()).toEqual(["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
    expect(text).toContain("CRYPTO MARKET AGENTS");
    expect(text).toContain("stream reconnected");
    expect(text).toContain("back-filled");
    expect(text).toContain("Signal #1:");
  }, 120_000);

  it("prints aligned cards", () => {
    let width = -1;
    let cards = 0;
    for (const line of stripAnsi(text).split("\n")) {
      if (line.startsWith("┌")) {
        width = displayWidth(line);
        cards++;
      } else if (width > 0 && /^[│├└]/.test(line)) {
        expect(displayWidth(line), line).toBe(width);
      }
    }
    expect(cards).toBe(report.signals.length);
  });

  it("leaves daily reports and its summary in the output folder", () => {
    const saved = JSON.parse(readFileSync(join(dir, "out", "demo_report.json"), "utf8")) as DemoReport;
    expect(saved.symbols).toEqual([...DEMO_SYMBOLS]);
    expect(saved.live).toEqual(report.live);
    // At start, at each simulated midnight, and at the end (the same midnight: the same file).
    expect(readdirSync(join(dir, "out", "reports")).sort()).toEqual([
      "report-2026-01-14T00-00-00Z.json",
      "report-2026-01-15T00-00-00Z.json",
      "report-2026-01-16T00-00-00Z.json",
      "report-2026-01-17T00-00-00Z.json",
    ]);
    const latest = JSON.parse(readFileSync(join(dir, "out", "latest_report.json"), "utf8"));
    expect(latest.signalsTotal).toBe(report.signals.length);
  });
});
