import { binanceCapabilities } from "../../src/exchange/binance/endpoints.js";
import { describe, expect, it } from "vitest";
import { symbolAnalysisReads } from "../../src/agents/symbol-analysis.js";
import { historyMargin, planAnalysisHistory } from "../../src/app/analysis-history.js";
import { HOUR, type Interval, MINUTE } from "../../src/core/interval.js";
import { firstOpenTime } from "../../src/market/warmup-plan.js";

const NOW = Date.UTC(2026, 0, 20, 10, 30);
const SPOT = { id: "binance", market: "spot", capabilities: binanceCapabilities("spot") } as const;
const FUTURES = { id: "binance", market: "futures", capabilities: binanceCapabilities("futures") } as const;

describe("planAnalysisHistory", () => {
  it("covers every interval the analysis reads, with margin, one sync per group", () => {
    const reads = symbolAnalysisReads();
    for (const exchange of [SPOT, FUTURES]) {
      const groups = planAnalysisHistory(reads, NOW, exchange);
      const members = groups.flatMap((g) => [g.download, ...g.derive]);
      expect([...members].sort()).toEqual([...reads.keys()].sort());
      for (const g of groups) {
        for (const i of [g.download, ...g.derive]) {
          const n = reads.get(i)!;
          expect(g.from).toBeLessThanOrEqual(firstOpenTime(i, n + historyMargin(n), NOW));
        }
      }
    }
    expect(historyMargin(500)).toBe(52);
    expect(historyMargin(100)).toBe(12);
  });

  it("default analysis on spot: one page per group; 3d and 1w ride on the daily page; the base first", () => {
    const groups = planAnalysisHistory(symbolAnalysisReads(), NOW, SPOT, "1h");
    expect(groups.map((g) => [g.download, ...g.derive].join("+"))).toEqual(["1h", "15m", "4h", "1d+3d+1w", "1M"]);
    expect(groups.map((g) => g.requests)).toEqual([1, 1, 1, 1, 1]);
    expect(groups[0]?.from).toBe(Date.UTC(2026, 0, 20, 10) - 552 * HOUR);
    expect(groups[1]?.from).toBe(NOW - 552 * 15 * MINUTE);
    // 100 months + 12 of margin before January 2026.
    expect(groups[4]?.from).toBe(Date.UTC(2016, 8, 1));
  });

  it("moves the group holding `first` to the front, derived or not", () => {
    const reads = new Map<Interval, number>([
      ["1h", 500],
      ["1d", 500],
      ["3d", 100],
    ]);
    expect(planAnalysisHistory(reads, NOW, SPOT, "3d").map((g) => g.download)).toEqual(["1d", "1h"]);
    expect(planAnalysisHistory(reads, NOW, SPOT).map((g) => g.download)).toEqual(["1h", "1d"]);
  });
});
