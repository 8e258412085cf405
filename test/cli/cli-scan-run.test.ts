/**
 * `cma scan --once` and `cma run` as a user runs them: the real program in a child process against the project's
 * fake Binance (real recorded candles) on 127.0.0.1, with a real SQLite store in a temp folder.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import stringWidth from "string-width";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { SystemReport } from "../../src/app/orchestrator/report.js";
import type { SymbolAnalysis } from "../../src/agents/symbol-analysis.js";
import type { ScanResult } from "../../src/cli/commands/scan.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { bundledMarketData, type FakeBinance, startFakeBinance } from "../../src/sim/fake-binance/index.js";
import { stripAnsi } from "../../src/ui/colors.js";
import { cma, runInProcess, startCma } from "./run-cma.js";

/** Just after the 16:00 close of 2026-01-16, when BTC, ETH and SOL give SHORT signals (see the demo). */
const NOW = Date.parse("2026-01-16T16:00:20Z");
const SYMBOLS = "BTCUSDT,ETHUSDT,SOLUSDT,BNBUSDT,XRPUSDT";

vi.setConfig({ testTimeout: 180_000 });

let fake: FakeBinance;
let dir: string;
let scan: ScanResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cma-cli-scan-"));
  fake = await startFakeBinance({ clock: new SimulatedClock(NOW), spot: bundledMarketData("spot") });
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const args = (...more: string[]) => ["--spot", "--rest-url", fake.restUrl, "--data-dir", join(dir, "data"), ...more];

/** Every card's lines have one display width, with or without colour codes. */
function checkCards(text: string): number {
  const lines = stripAnsi(text).split("\n");
  let cards = 0;
  let width = -1;
  for (const line of lines) {
    if (line.startsWith("┌")) {
      cards++;
      width = stringWidth(line);
    } else if (width > 0 && /^[│├└]/.test(line)) {
      expect(stringWidth(line), line).toBe(width);
      if (line.startsWith("└")) width = -1;
    }
  }
  return cards;
}

describe("cma scan --once", () => {
  it("--json prints one object whose signals have consistent levels", async () => {
    const r = await cma(args("scan", "--once", "--json", "--symbols", SYMBOLS));
    expect(r.code, r.stderr).toBe(0);
    scan = JSON.parse(r.stdout) as ScanResult;
    expect(Object.keys(scan).slice(0, 6)).toEqual(["time", "exchange", "market", "universe", "weightUsed", "signals"]);
    expect(scan.exchange).toBe("binance");
    expect(scan.market).toBe("spot");
    expect(scan.universe).toEqual(SYMBOLS.split(","));
    expect(scan.weightUsed).toBeGreaterThan(0);
    expect(scan.signals.map((s) => `${s.symbol} ${s.direction}`).sort()).toEqual([
      "BTCUSDT SHORT",
      "ETHUSDT SHORT",
      "SOLUSDT SHORT",
    ]);
    for (const s of scan.signals) {
      const [t1, t2, t3] = s.targets;
      expect(s.stop).toBeGreaterThan(s.entry);
      expect(s.entry).toBeGreaterThan(t1);
      expect(t1).toBeGreaterThan(t2);
      expect(t2).toBeGreaterThan(t3);
      expect(s.riskReward).toBeCloseTo((s.entry - t1) / (s.stop - s.entry), 6);
      expect(s.confidence).toBeGreaterThanOrEqual(0.55);
      expect(s.confidence).toBeLessThanOrEqual(1);
      expect(s.positionSizePct).toBeGreaterThan(0);
      expect(s.rationale.length).toBeGreaterThan(10);
      expect(s.evidence.zones.length).toBeGreaterThan(0);
    }
    for (const c of scan.candidates) expect(c.reason).toMatch(/below min_confidence|stop|cooldown|zone/);
  });

  it("the zones a signal cites are zones `cma analyze` reports for that symbol at that time", async () => {
    for (const s of scan.signals) {
      const r = await cma(args("analyze", s.symbol, "--json"));
      expect(r.code, r.stderr).toBe(0);
      const a = JSON.parse(r.stdout) as SymbolAnalysis;
      // The same closed candles: the client's clock follows the (paused) exchange clock to within seconds.
      expect(Math.abs(a.time - Date.parse(scan.time))).toBeLessThan(60_000);
      const zones = new Set(a.zones.map((z) => `${z.low}-${z.high}-${z.type}`));
      for (const z of s.evidence.zones) expect(zones.has(`${z.low}-${z.high}-${z.type}`), JSON.stringify(z)).toBe(true);
    }
  });

  it("prints the cards with aligned borders, plain when piped", async () => {
    const r = await runInProcess(args("scan", "--once", "--symbols", SYMBOLS));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(checkCards(r.stdout)).toBe(3);
    expect(r.stdout).toContain("SELL SHORT");
    expect(r.stdout).toMatch(/Signal #1: (BTC|ETH|SOL)USDT/);
  });

  it("and in colour on a terminal, still aligned", async () => {
    const r = await runInProcess(args("scan", "--once", "--symbols", SYMBOLS), {
      tty: true,
      env: { FORCE_COLOR: "1" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\u001b\[/);
    expect(checkCards(r.stdout)).toBe(3);
  });
});

describe("cma run", () => {
  it("shows the banner and the first cards, writes a report, and stops cleanly on SIGTERM (exit 0)", async () => {
    const out = join(dir, "out");
    const running = startCma([...args("run", "--symbols", SYMBOLS), "--output-dir", out]);
    // Wait for the first report: the system has started, analysed, and is now waiting for the next candle.
    const until = Date.now() + 120_000;
    while (!existsSync(join(out, "latest_report.json")) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(existsSync(join(out, "latest_report.json"))).toBe(true);
    running.child.kill("SIGTERM");
    const r = await running.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("CRYPTO MARKET AGENTS");
    expect(r.stdout).toContain("Monitoring 5 USDT pairs on Binance Spot");
    expect(r.stdout).toMatch(/HTF S\/R levels loaded for 5 assets/);
    expect(checkCards(r.stdout)).toBe(3);
    expect(r.stderr).toContain("stopping");
    // Every report file is whole JSON; no temporary file is left.
    const reports = readdirSync(join(out, "reports"));
    // At start, and the last one on the way out (the same file when both fall in the same second).
    expect(reports.length).toBeGreaterThanOrEqual(1);
    for (const f of reports) JSON.parse(readFileSync(join(out, "reports", f), "utf8"));
    expect(readdirSync(out).filter((f) => f.includes(".tmp"))).toEqual([]);
    const latest = JSON.parse(readFileSync(join(out, "latest_report.json"), "utf8")) as SystemReport;
    expect(latest.agents.every((a) => a.state === "stopped")).toBe(true);
    expect(latest.signalsTotal).toBe(3);
  });
});
