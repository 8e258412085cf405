import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/core/clock.js";
import { ProgressBar } from "../../src/ui/progress.js";

function sink(isTTY: boolean, columns?: number) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns, write: (s: string) => chunks.push(s) } };
}

describe("ProgressBar on a terminal", () => {
  it("redraws one line in place with bar, percent, count, rate and ETA", () => {
    const clock = new SimulatedClock(0);
    const { chunks, stream } = sink(true);
    const bar = new ProgressBar({ stream, total: 1000, label: "download", unit: "candles", clock, barWidth: 10 });
    clock.advance(2000);
    bar.update(250, "BTCUSDT 1h");
    expect(chunks).toEqual(["\r\u001b[2Kdownload ███░░░░░░░ 25% · 250/1,000 candles · 125/s · ETA 6s  BTCUSDT 1h"]);
    clock.advance(50);
    bar.update(260);
    expect(chunks).toHaveLength(1); // redraws are throttled
    clock.advance(2000);
    bar.finish();
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toMatch(/^\r\u001b\[2Kdownload ███░░░░░░░ 26% · 260\/1,000 candles · /);
    expect(chunks[1]?.endsWith("\n")).toBe(true);
    bar.update(900);
    expect(chunks).toHaveLength(2); // nothing after finish
  });

  it("never writes a line wider than the terminal", () => {
    const clock = new SimulatedClock(0);
    const { chunks, stream } = sink(true, 40);
    const bar = new ProgressBar({ stream, total: 10, label: "download", clock });
    clock.advance(1000);
    bar.update(5, "a very long detail that would wrap the terminal line");
    const line = (chunks[0] ?? "").replace("\r\u001b[2K", "");
    expect(line.length).toBeLessThanOrEqual(39);
    expect(line.endsWith("…")).toBe(true);
  });
});

describe("ProgressBar elsewhere", () => {
  it("prints a plain line at most every intervalMs, and a final one", () => {
    const clock = new SimulatedClock(0);
    const { chunks, stream } = sink(false);
    const bar = new ProgressBar({ stream, total: 200, label: "download", unit: "candles", clock, intervalMs: 10_000 });
    bar.update(0);
    clock.advance(4000);
    bar.update(40);
    clock.advance(6000);
    bar.update(100, "ETHUSDT 4h");
    clock.advance(1000);
    bar.finish();
    expect(chunks).toEqual([
      "download 0% · 0/200 candles · ETA --\n",
      "download 50% · 100/200 candles · 10/s · ETA 10s  ETHUSDT 4h\n",
      "download 50% · 100/200 candles · 9/s · ETA 11s  ETHUSDT 4h\n",
    ]);
  });

  it("without a known total shows the count and rate", () => {
    const clock = new SimulatedClock(0);
    const { chunks, stream } = sink(false);
    const bar = new ProgressBar({ stream, total: 0, label: "import", unit: "files", clock });
    clock.advance(2000);
    bar.increment(4);
    expect(chunks).toEqual(["import 4 files · 2/s\n"]);
  });
});
