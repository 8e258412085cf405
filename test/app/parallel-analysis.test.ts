/**
 * The parts of a parallel backtest beside the digest test (test/app/pipeline-digest.test.ts, which proves the merge
 * exact on real history): the analysis schedule the workers follow, the times the learning agent reads whole
 * analyses, and what happens when a worker cannot run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { learningReadTimes } from "../../src/app/backtest.js";
import { defaultConfig } from "../../src/app/config.js";
import { replayAnalysisTimes } from "../../src/app/orchestrator/index.js";
import { ParallelAnalyses, threadOf } from "../../src/app/parallel-analysis.js";
import { DAY, HOUR, MINUTE } from "../../src/core/interval.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("replayAnalysisTimes", () => {
  it("the start, then every cycle boundary up to and including the end", () => {
    const from = Date.parse("2025-03-01T10:30:00Z");
    expect(replayAnalysisTimes(from, from + 150 * MINUTE, HOUR)).toEqual([
      from,
      from + 30 * MINUTE,
      from + 90 * MINUTE,
      from + 150 * MINUTE,
    ]);
    expect(replayAnalysisTimes(from, from + 29 * MINUTE, HOUR)).toEqual([from]);
  });

  it("a start on a boundary is analysed once, and a settle delay shifts every later time", () => {
    const from = Date.parse("2025-03-01T10:00:00Z");
    expect(replayAnalysisTimes(from, from + 2 * HOUR, HOUR)).toEqual([from, from + HOUR, from + 2 * HOUR]);
    expect(replayAnalysisTimes(from, from + 2 * HOUR + 2000, HOUR, 2000)).toEqual([
      from,
      from + HOUR + 2000,
      from + 2 * HOUR + 2000,
    ]);
  });
});

describe("learningReadTimes", () => {
  it("daily updates over hourly analyses read the analyses of each midnight", () => {
    const from = Date.parse("2025-03-01T00:00:00Z");
    const times = replayAnalysisTimes(from, from + 3 * DAY, HOUR);
    expect(learningReadTimes(times, from, from + 3 * DAY, DAY)).toEqual([
      from,
      from + DAY,
      from + 2 * DAY,
      from + 3 * DAY,
    ]);
  });

  it("an update between two analyses reads the earlier one; two updates may read the same", () => {
    expect(learningReadTimes([5, 65, 125], 5, 130, 60)).toEqual([5, 65]);
    expect(learningReadTimes([0, 100], 0, 100, 30)).toEqual([0]);
  });
});

describe("ParallelAnalyses", () => {
  it("splits the symbols round robin with the smaller share on the main thread", () => {
    expect([0, 1, 2, 3, 4].map((i) => threadOf(i, 2))).toEqual([1, 0, 1, 0, 1]);
    expect([0, 1, 2, 3].map((i) => threadOf(i, 3))).toEqual([1, 2, 0, 1]);
  });

  it("a worker that cannot start is reported, and its symbols are analysed here instead", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cma-par-"));
    dirs.push(dir);
    const missing = join(dir, "no-such.db");
    const source = new ParallelAnalyses({
      dbPath: missing,
      exchange: "binance",
      market: "spot",
      config: defaultConfig(dir),
      symbols: ["BTCUSDT", "ETHUSDT"],
      times: [HOUR, 2 * HOUR],
      fullAt: [HOUR],
      prefilter: true,
      threads: 2,
    });
    try {
      // BTCUSDT is the worker's, ETHUSDT this thread's.
      expect(await source.take("BTCUSDT", HOUR)).toBeUndefined();
      expect(await source.take("ETHUSDT", HOUR)).toBeUndefined();
      expect(await source.take("BTCUSDT", 2 * HOUR)).toBeUndefined();
      const s = source.stats;
      expect(s).toMatchObject({ threads: 2, fromWorkers: 0, unableToSignal: 0, computedHere: 2 });
      expect(s.failures).toHaveLength(1);
      expect(s.failures[0]).toContain("an analysis worker failed");
      expect(s.failures[0]).toContain("no-such.db");
    } finally {
      await source.close();
    }
  });
});
