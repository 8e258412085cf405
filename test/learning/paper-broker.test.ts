import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonSafetyProblems } from "../../src/agents/json-safe.js";
import type { Candle } from "../../src/core/candle.js";
import { UsageError } from "../../src/core/errors.js";
import { HOUR, MINUTE } from "../../src/core/interval.js";
import {
  closePaperTrade,
  entryProblem,
  openPaperTrade,
  PaperBook,
  type PaperStep,
  stepPaperTrade,
} from "../../src/learning/paper-broker.js";
import {
  DEFAULT_PAPER_BROKER_OPTIONS,
  defaultFeeFor,
  FUTURES_TAKER_FEE,
  type PaperBrokerOptionsInput,
  resolvePaperBrokerOptions,
  SPOT_TAKER_FEE,
} from "../../src/learning/paper-broker-options.js";
import type { PaperEvent, PaperTrade } from "../../src/learning/paper-trade.js";
import type { Direction, Signal } from "../../src/signals/signal.js";
import { T0, testCandle, testSignal } from "./fixtures/signals.js";

function signal(
  direction: Direction,
  stop: number,
  targets: readonly [number, number, number],
  over: Partial<Signal> = {},
): Signal {
  return testSignal({ direction, stop, targets, ...over });
}

const LONG = signal("LONG", 95, [110, 115, 120]);
const SHORT = signal("SHORT", 105, [90, 85, 80]);

const candleAt = testCandle;

/** The i-th 1h candle from T0. */
const bar = (i: number, o: number, h: number, l: number, c: number) => candleAt(T0 + i * HOUR, HOUR, o, h, l, c);

/** Steps the candles in order, collecting the events. */
function run(trade: PaperTrade, candles: readonly Candle[], o: PaperBrokerOptionsInput): PaperStep {
  let t = trade;
  const events: PaperEvent[] = [];
  for (const c of candles) {
    const s = stepPaperTrade(t, c, o);
    t = s.trade;
    events.push(...s.events);
  }
  return { trade: t, events };
}

function expectJsonSafe(t: PaperTrade): void {
  expect(jsonSafetyProblems(t)).toEqual([]);
  expect(JSON.parse(JSON.stringify(t))).toEqual(t);
}

describe("LONG", () => {
  it("wins through T1, T2 and T3 with partials and fees", () => {
    // No slippage, fee 0.05 %. Entry 100, qty 1000 / 100 = 10, entry fee 1000 × 0.0005 = 0.5, risk 5 × 10 = 50.
    const o = { slippage: 0 };
    const t0 = openPaperTrade(LONG, 100, T0, o);
    expect(t0).toMatchObject({ entryPrice: 100, qty: 10, fees: 0.5, initialRisk: 50, pnl: -0.5, outcome: "OPEN" });
    const { trade: t, events } = run(
      t0,
      [
        bar(0, 100, 104, 98, 103), // nothing; low 98: MAE 2
        bar(1, 103, 111, 102, 110), // T1 110: 5 units; stop → 100 (low 102 stays above it)
        bar(2, 110, 116, 109, 115), // T2 115: 2.5 units
        bar(3, 115, 121, 114, 120), // T3 120: the last 2.5 units
      ],
      o,
    );
    // Exit fees: 5 × 110 × 0.0005 = 0.275; 2.5 × 115 × 0.0005 = 0.14375; 2.5 × 120 × 0.0005 = 0.15.
    expect(t.exits.map((e) => [e.reason, e.price, e.qty, e.time])).toEqual([
      ["target1", 110, 5, T0 + 2 * HOUR - 1],
      ["target2", 115, 2.5, T0 + 3 * HOUR - 1],
      ["target3", 120, 2.5, T0 + 4 * HOUR - 1],
    ]);
    expect(t.exits.map((e) => e.fee)).toEqual([0.275, expect.closeTo(0.14375, 15), 0.15]);
    // Fees 0.5 + 0.275 + 0.14375 + 0.15 = 1.06875. Gross 5 × 10 + 2.5 × 15 + 2.5 × 20 = 137.5. Net 136.43125.
    expect(t.fees).toBeCloseTo(1.06875, 12);
    expect(t.pnl).toBeCloseTo(136.43125, 10);
    expect(t.pnlPercent).toBeCloseTo(13.643125, 10); // 136.43125 / 1000 × 100
    expect(t.rMultiple).toBeCloseTo(2.728625, 12); // 136.43125 / 50
    expect(t.exitPrice).toBeCloseTo(113.75, 12); // (5 × 110 + 2.5 × 115 + 2.5 × 120) / 10
    expect(t).toMatchObject({
      status: "CLOSED",
      outcome: "WIN",
      exitReason: "target3",
      exitTime: T0 + 4 * HOUR - 1,
      targetsHit: 3,
      remainingQty: 0,
      stopLoss: 100,
      initialStop: 95,
      slippageCost: 0,
      ambiguousCandles: 0,
    });
    // MFE: the trade closed at T3, so 120 (not the high 121) is the best price seen while open: 20 = 4 R.
    // MAE: low 98 of the first candle: 2 = 0.4 R.
    expect([t.mfe, t.mfeR, t.mae, t.maeR]).toEqual([20, 4, 2, 0.4]);
    expect(events.map((e) => e.kind)).toEqual(["exit", "stop_moved", "exit", "exit", "closed"]);
    expect(events[1]).toEqual({ kind: "stop_moved", tradeId: LONG.id, time: T0 + 2 * HOUR - 1, from: 95, to: 100 });
    expectJsonSafe(t);
  });

  it("is stopped out with slippage and fees on both fills", () => {
    // Default costs (fee 0.05 %, slippage 0.02 %), notional 1000.2 so the quantity is round:
    // entry 100 × 1.0002 = 100.02, qty 1000.2 / 100.02 = 10, entry fee 1000.2 × 0.0005 = 0.5001.
    const o = { notional: 1000.2 };
    const t0 = openPaperTrade(LONG, 100, T0, o);
    expect(t0.entryPrice).toBeCloseTo(100.02, 12);
    expect(t0.qty).toBeCloseTo(10, 12);
    expect(t0.slippageCost).toBeCloseTo(0.2, 12); // 0.02 × 10
    const { trade: t } = stepPaperTrade(t0, bar(0, 100, 101, 94, 96), o);
    // Stop 95 × (1 − 0.0002) = 94.981; exit fee 949.81 × 0.0005 = 0.474905; slippage 0.019 × 10 = 0.19.
    // Net (94.981 − 100.02) × 10 − 0.5001 − 0.474905 = −50.39 − 0.975005 = −51.365005; risk 5.02 × 10 = 50.2.
    expect(t.exits).toHaveLength(1);
    expect(t.exitPrice).toBeCloseTo(94.981, 12);
    expect(t.exits[0]!.fee).toBeCloseTo(0.474905, 12);
    expect(t.slippageCost).toBeCloseTo(0.39, 12);
    expect(t.fees).toBeCloseTo(0.975005, 12);
    expect(t.pnl).toBeCloseTo(-51.365005, 10);
    expect(t.rMultiple).toBeCloseTo(-51.365005 / 50.2, 12); // −1.0232…
    expect(t).toMatchObject({ status: "CLOSED", outcome: "LOSS", exitReason: "stop", targetsHit: 0 });
    // Walked open → low: the trade was stopped before the high (101) came, and the open 100 is below the
    // entry fill, so no favourable excursion; the adverse one ends at the stop (5.02 = 1 R), not at the low 94.
    expect(t.mfe).toBe(0);
    expect(t.mae).toBeCloseTo(5.02, 12);
    expect(t.maeR).toBeCloseTo(1, 12);
  });

  it("moves the stop to break-even after T1; the outcome is judged on net P&L with the epsilon rule", () => {
    // Entry 100.02, qty 10 as above. T1 110 takes 5 units (fee 5 × 110 × 0.0005 = 0.275), the stop moves to 100.02.
    const o = { notional: 1000.2 };
    const candles = [
      bar(0, 100, 105, 99, 104),
      bar(1, 104, 111, 103, 109), // T1
      bar(2, 108, 109, 99, 100), // back through the entry: break-even stop
    ];
    const { trade: t } = run(openPaperTrade(LONG, 100, T0, o), candles, o);
    // BE stop fill 100.02 × 0.9998 = 99.999996, 5 units, fee 5 × 99.999996 × 0.0005 = 0.24999999.
    // Gross 5 × 9.98 + 5 × (−0.020004) = 49.9 − 0.10002 = 49.79998; fees 0.5001 + 0.275 + 0.24999999 = 1.02509999.
    // Net 48.77488001 > 0.05 R = 0.05 × 50.2 = 2.51: a WIN.
    expect(t.exits.map((e) => e.reason)).toEqual(["target1", "breakeven_stop"]);
    expect(t.exits[1]!.price).toBeCloseTo(99.999996, 12);
    expect(t.fees).toBeCloseTo(1.02509999, 12);
    expect(t.pnl).toBeCloseTo(48.77488001, 10);
    expect(t).toMatchObject({ outcome: "WIN", exitReason: "breakeven_stop", stopLoss: t.entryPrice, targetsHit: 1 });

    // With 1 % at T1, the remainder's break-even exit loses its slippage and both fees:
    // T1: 0.1 units, gross 0.1 × 9.98 = 0.998, fee 0.1 × 110 × 0.0005 = 0.0055.
    // BE: 9.9 units, gross 9.9 × (−0.020004) = −0.1980396, fee 9.9 × 99.999996 × 0.0005 = 0.4949999802.
    // Net 0.998 − 0.1980396 − (0.5001 + 0.0055 + 0.4949999802) = −0.2006395802: within ±2.51, so BREAKEVEN …
    const small = { notional: 1000.2, partials: [0.01, 0.495, 0.495] as const };
    const b = run(openPaperTrade(LONG, 100, T0, small), candles, small).trade;
    expect(b.exits.map((e) => [e.reason, e.qty])).toEqual([
      ["target1", expect.closeTo(0.1, 12)],
      ["breakeven_stop", expect.closeTo(9.9, 12)],
    ]);
    expect(b.pnl).toBeCloseTo(-0.2006395802, 12);
    expect(b.outcome).toBe("BREAKEVEN");
    // … and a LOSS when no epsilon is allowed.
    const strict = { ...small, breakeven_epsilon_r: 0 };
    expect(run(openPaperTrade(LONG, 100, T0, strict), candles, strict).trade.outcome).toBe("LOSS");
  });

  it("keeps the initial stop after T1 when breakeven_after_t1 is off", () => {
    // Fees and slippage 0; entry 100, qty 10. T1 then a dip to 99: the stop stays at 95, nothing happens.
    const o = { slippage: 0, taker_fee: 0, breakeven_after_t1: false };
    const { trade: t, events } = run(
      openPaperTrade(LONG, 100, T0, o),
      [bar(0, 100, 105, 99.5, 104), bar(1, 104, 111, 103, 109), bar(2, 108, 109, 99, 100)],
      o,
    );
    expect(t).toMatchObject({ status: "OPEN", stopLoss: 95, remainingQty: 5, targetsHit: 1, pnl: 50 });
    expect(events.some((e) => e.kind === "stop_moved")).toBe(false);
  });

  it("closes the whole position at the target where the partials reach 1, leaving no rounding dust", () => {
    // 0.6 + (0.4 − 1e-10) is 1 within the 1e-9 the options allow: T2 closes everything (4 units, not 4 − 1e-9).
    const o = { slippage: 0, taker_fee: 0, partials: [0.6, 0.4 - 1e-10, 1e-10] as const };
    const { trade: t } = run(
      openPaperTrade(LONG, 100, T0, o),
      [bar(0, 100, 104, 99.5, 103), bar(1, 103, 116, 102, 115)],
      o,
    );
    expect(t.exits.map((e) => [e.reason, e.qty])).toEqual([
      ["target1", 6],
      ["target2", 4],
    ]);
    expect(t).toMatchObject({ status: "CLOSED", remainingQty: 0, targetsHit: 2, pnl: 120 }); // 6 × 10 + 4 × 15
  });
});

describe("SHORT", () => {
  it("mirrors the LONG win", () => {
    // Entry 100, qty 10, risk 5 × 10 = 50. Fees 0.5 + 5 × 90 × 0.0005 (0.225) + 2.5 × 85 × 0.0005 (0.10625)
    // + 2.5 × 80 × 0.0005 (0.1) = 0.93125; gross 50 + 37.5 + 50 = 137.5; net 136.56875 = 2.731375 R.
    const o = { slippage: 0 };
    const { trade: t } = run(
      openPaperTrade(SHORT, 100, T0, o),
      [bar(0, 100, 102, 96, 97), bar(1, 97, 98, 89, 90), bar(2, 90, 91, 84, 85), bar(3, 85, 86, 79, 80)],
      o,
    );
    expect(t.exits.map((e) => [e.reason, e.price, e.qty])).toEqual([
      ["target1", 90, 5],
      ["target2", 85, 2.5],
      ["target3", 80, 2.5],
    ]);
    expect(t.fees).toBeCloseTo(0.93125, 12);
    expect(t.pnl).toBeCloseTo(136.56875, 10);
    expect(t.rMultiple).toBeCloseTo(2.731375, 12);
    expect(t).toMatchObject({ outcome: "WIN", stopLoss: 100, mfe: 20, mfeR: 4, mae: 2, maeR: 0.4 });
  });

  it("is stopped out above the stop, slippage upwards", () => {
    // Entry 100 × (1 − 0.0002) = 99.98; notional 999.8 → qty 10; entry fee 0.4999.
    // Stop 105 × 1.0002 = 105.021; fee 1050.21 × 0.0005 = 0.525105.
    // Net (99.98 − 105.021) × 10 − 0.4999 − 0.525105 = −50.41 − 1.025005 = −51.435005; risk 5.02 × 10 = 50.2.
    const o = { notional: 999.8 };
    const t0 = openPaperTrade(SHORT, 100, T0, o);
    expect(t0.entryPrice).toBeCloseTo(99.98, 12);
    const t = stepPaperTrade(t0, bar(0, 100, 106, 99, 104), o).trade;
    expect(t.exitPrice).toBeCloseTo(105.021, 12);
    expect(t.pnl).toBeCloseTo(-51.435005, 10);
    expect(t.rMultiple).toBeCloseTo(-51.435005 / 50.2, 12);
    expect(t.slippageCost).toBeCloseTo(0.41, 12); // 0.02 × 10 + 0.021 × 10
    expect(t).toMatchObject({ outcome: "LOSS", exitReason: "stop" });
  });
});

describe("a candle holding both the stop and a target", () => {
  // No costs: entry 100, qty 10, stop 95, T1 110.
  const o = { slippage: 0, taker_fee: 0 };
  const wide = bar(0, 100, 112, 94, 105);

  it("without finer candles assumes the stop came first and counts the candle", () => {
    const { trade: t, events } = stepPaperTrade(openPaperTrade(LONG, 100, T0, o), wide, o);
    expect(t).toMatchObject({ outcome: "LOSS", exitReason: "stop", exitPrice: 95, pnl: -50, ambiguousCandles: 1 });
    expect(t.targetsHit).toBe(0);
    expect(t.notes).toHaveLength(1);
    expect(events[0]).toEqual({
      kind: "ambiguous_candle",
      tradeId: LONG.id,
      candleOpenTime: T0,
      resolvedBy: "adverse_first",
    });
  });

  it("with finer 15m candles replays them: here the target came first", () => {
    const q = (i: number, op: number, h: number, l: number, c: number) =>
      candleAt(T0 + i * 15 * MINUTE, 15 * MINUTE, op, h, l, c);
    const finer = [
      q(0, 100, 103, 99, 102),
      q(1, 102, 112, 101, 108), // T1 110: 5 units; stop → 100
      q(2, 108, 109, 94, 96), // the break-even stop at 100: 5 units at 0
      q(3, 96, 105, 95.5, 105), // after the close: ignored
    ];
    const { trade: t, events } = stepPaperTrade(openPaperTrade(LONG, 100, T0, o), wide, o, finer);
    // Net 5 × (110 − 100) + 5 × 0 = 50 = 1 R.
    expect(t.exits.map((e) => [e.reason, e.price, e.qty, e.time])).toEqual([
      ["target1", 110, 5, T0 + 30 * MINUTE - 1],
      ["breakeven_stop", 100, 5, T0 + 45 * MINUTE - 1],
    ]);
    expect(t).toMatchObject({ pnl: 50, rMultiple: 1, outcome: "WIN", ambiguousCandles: 0 });
    expect(t.lastCandleCloseTime).toBe(wide.closeTime);
    expect(events[0]).toMatchObject({ kind: "ambiguous_candle", resolvedBy: "finer_candles" });
  });

  it("finer candles are not used when the candle is not ambiguous", () => {
    // Only the stop is inside: the finer candles (which would reach T1) are not consulted.
    const c = bar(0, 100, 104, 94, 96);
    const finer = [
      candleAt(T0, 30 * MINUTE, 100, 111, 99, 104),
      candleAt(T0 + 30 * MINUTE, 30 * MINUTE, 104, 104, 94, 96),
    ];
    const t = stepPaperTrade(openPaperTrade(LONG, 100, T0, o), c, o, finer).trade;
    expect(t).toMatchObject({ exitReason: "stop", targetsHit: 0 });
  });

  it("T1 and a break-even stop in one candle: decided when the close is beyond the stop, counted when not", () => {
    const start = stepPaperTrade(openPaperTrade(LONG, 100, T0, o), bar(0, 100, 104, 99.5, 103), o).trade;
    // High 111 ≥ T1, then the close 99 is below the new stop 100: after the T1 fill the price fell through it.
    const fell = stepPaperTrade(start, bar(1, 103, 111, 98, 99), o).trade;
    expect(fell.exits.map((e) => e.reason)).toEqual(["target1", "breakeven_stop"]);
    expect(fell.ambiguousCandles).toBe(0);
    // Close 108 above it, low 98 below it: the low may have come before T1 (assumed) or after.
    const held = stepPaperTrade(start, bar(1, 103, 111, 98, 108), o).trade;
    expect(held).toMatchObject({ status: "OPEN", targetsHit: 1, remainingQty: 5, ambiguousCandles: 1 });
  });
});

describe("gaps", () => {
  it("a candle opening below the stop fills at the open, slippage on top", () => {
    // Entry 100.02, qty 10 (notional 1000.2). Stop 95; the second candle opens at 93.
    // Fill 93 × 0.9998 = 92.9814, at the candle's open time; fee 929.814 × 0.0005 = 0.464907.
    // Net (92.9814 − 100.02) × 10 − 0.5001 − 0.464907 = −70.386 − 0.965007 = −71.351007 = −1.4213… R.
    const o = { notional: 1000.2 };
    const { trade: t } = run(openPaperTrade(LONG, 100, T0, o), [bar(0, 100, 101, 99, 100), bar(1, 93, 94, 90, 92)], o);
    expect(t.exitPrice).toBeCloseTo(92.9814, 12);
    expect(t.exitTime).toBe(T0 + HOUR);
    expect(t.pnl).toBeCloseTo(-71.351007, 10);
    expect(t.rMultiple).toBeCloseTo(-71.351007 / 50.2, 12);
    // Slippage: entry 0.2 + 93 × 0.0002 × 10 = 0.186 → 0.386; the 2-point gap below the stop is not slippage.
    expect(t.slippageCost).toBeCloseTo(0.386, 12);
    // MAE to the open 93 (the low 90 came after the exit): 7.02.
    expect(t.mae).toBeCloseTo(7.02, 12);
    expect(t).toMatchObject({ exitReason: "stop", outcome: "LOSS" });
    expect(t.notes[0]).toMatch(/beyond the stop/);
  });

  it("a candle opening above a target fills it at the open (better)", () => {
    const o = { slippage: 0, taker_fee: 0 };
    const { trade: t } = run(
      openPaperTrade(LONG, 100, T0, o),
      [bar(0, 100, 104, 99, 103), bar(1, 112, 113, 111, 112)],
      o,
    );
    // T1 fills 5 units at 112 at the open time; the stop moves to 100; T2 115 is not reached.
    expect(t.exits).toEqual([{ time: T0 + HOUR, price: 112, qty: 5, reason: "target1", fee: 0 }]);
    expect(t).toMatchObject({ status: "OPEN", stopLoss: 100, targetsHit: 1, pnl: 60 });
  });
});

describe("time and ordering", () => {
  it("ignores candles opening before the entry, and a candle applied twice", () => {
    const o = { slippage: 0 };
    const t0 = openPaperTrade(LONG, 100, T0 + HOUR, o);
    const before = stepPaperTrade(t0, bar(0, 100, 101, 90, 92), o); // would hit the stop, but it is before the entry
    expect(before.trade).toBe(t0);
    expect(before.events).toEqual([]);
    const once = stepPaperTrade(t0, bar(1, 100, 104, 97, 103), o).trade;
    expect(once.mae).toBe(3);
    const again = stepPaperTrade(once, bar(1, 100, 104, 90, 103), o);
    expect(again.trade).toBe(once);
  });

  it("closes the rest at the candle's close once time_stop_ms has passed", () => {
    // Slippage 0.1 %, no fee, notional 1001: entry 100.1, qty 10, risk 5.1 × 10 = 51.
    // First candle ends 1 h after the entry (< 2 h); the second ends 2 h after it: time exit at 103 × 0.999 = 102.897.
    // Net (102.897 − 100.1) × 10 = 27.97 = 0.5484… R; slippage 0.1 × 10 + 0.103 × 10 = 2.03.
    const o = { slippage: 0.001, taker_fee: 0, notional: 1001, time_stop_ms: 2 * HOUR };
    const t1 = stepPaperTrade(openPaperTrade(LONG, 100, T0, o), bar(0, 100, 103, 99, 102), o).trade;
    expect(t1.status).toBe("OPEN");
    const t = stepPaperTrade(t1, bar(1, 102, 104, 101, 103), o).trade;
    expect(t).toMatchObject({ status: "CLOSED", exitReason: "time", exitTime: T0 + 2 * HOUR - 1, outcome: "WIN" });
    expect(t.exitPrice).toBeCloseTo(102.897, 12);
    expect(t.pnl).toBeCloseTo(27.97, 10);
    expect(t.rMultiple).toBeCloseTo(27.97 / 51, 12);
    expect(t.slippageCost).toBeCloseTo(2.03, 12);
  });

  it("tracks MFE and MAE from the highs and lows while open; P&L is the realised part (the entry fee)", () => {
    // Entry 100, risk 5: best high 107 → MFE 7 = 1.4 R; worst low 97 → MAE 3 = 0.6 R.
    const o = { slippage: 0 };
    const { trade: t } = run(
      openPaperTrade(LONG, 100, T0, o),
      [bar(0, 100, 104, 97, 103), bar(1, 103, 107, 98, 106)],
      o,
    );
    expect([t.mfe, t.mfeR, t.mae, t.maeR]).toEqual([7, 1.4, 3, 0.6]);
    expect(t).toMatchObject({ status: "OPEN", outcome: "OPEN", pnl: -0.5, exitTime: null, exitPrice: null });
    expect(t.pnlPercent).toBeCloseTo(-0.05, 12); // −0.5 / 1000 × 100
    expectJsonSafe(t);
  });

  it("closes at the end of the data with slippage and a fee", () => {
    // Slippage 0.1 %, fee 0.1 %, notional 1001: entry 100.1, qty 10, entry fee 1.001. T1: 5 at 110, fee 0.55.
    // end_of_data at 108: fill 108 × 0.999 = 107.892, fee 539.46 × 0.001 = 0.53946.
    // Gross 5 × 9.9 + 5 × 7.792 = 49.5 + 38.96 = 88.46; fees 2.09046; net 86.36954. Exit price (550 + 539.46) / 10.
    const o = { slippage: 0.001, taker_fee: 0.001, notional: 1001 };
    const open = run(
      openPaperTrade(LONG, 100, T0, o),
      [bar(0, 100, 105, 99, 104), bar(1, 104, 111, 103, 109)],
      o,
    ).trade;
    const { trade: t, events } = closePaperTrade(open, 108, T0 + 2 * HOUR, "end_of_data", o);
    expect(t.exits.map((e) => e.reason)).toEqual(["target1", "end_of_data"]);
    expect(t.exits[1]!.price).toBeCloseTo(107.892, 12);
    expect(t.fees).toBeCloseTo(2.09046, 12);
    expect(t.pnl).toBeCloseTo(86.36954, 10);
    expect(t.exitPrice).toBeCloseTo(108.946, 12);
    expect(t).toMatchObject({ status: "CLOSED", exitReason: "end_of_data", exitTime: T0 + 2 * HOUR, outcome: "WIN" });
    expect(events.map((e) => e.kind)).toEqual(["exit", "closed"]);
    expect(open.status).toBe("OPEN"); // the trade given is not changed
    expect(() => closePaperTrade(t, 108, T0 + 3 * HOUR, "manual", o)).toThrow(/already closed/);
  });
});

describe("rejections", () => {
  it("rejects an unclosed candle, a stale entry, and an entry before the signal", () => {
    const t = openPaperTrade(LONG, 100, T0);
    expect(() => stepPaperTrade(t, { ...bar(0, 100, 101, 99, 100), closed: false })).toThrow(/not closed yet/);
    expect(entryProblem(LONG, 94)).toMatch(/at or beyond the stop/);
    expect(entryProblem(LONG, 111)).toMatch(/at or beyond T1/);
    expect(entryProblem(LONG, 100)).toBeNull();
    expect(() => openPaperTrade(LONG, 94, T0)).toThrow(UsageError);
    expect(() => openPaperTrade(LONG, 100, T0 - 10)).toThrow(/at or after the signal's time/);
    const finerOutside = [candleAt(T0 + HOUR, 15 * MINUTE, 100, 101, 99, 100)];
    expect(() => stepPaperTrade(t, bar(0, 100, 101, 99, 100), {}, finerOutside)).toThrow(/finer candles must lie/);
  });
});

describe("options", () => {
  it("has the documented defaults and fee constants", () => {
    expect(resolvePaperBrokerOptions()).toEqual(DEFAULT_PAPER_BROKER_OPTIONS);
    expect(DEFAULT_PAPER_BROKER_OPTIONS).toMatchObject({
      taker_fee: 0.0005,
      slippage: 0.0002,
      notional: 1000,
      partials: [0.5, 0.25, 0.25],
      breakeven_after_t1: true,
      time_stop_ms: null,
      breakeven_epsilon_r: 0.05,
      max_open_per_symbol_direction: 1,
    });
    expect([FUTURES_TAKER_FEE, SPOT_TAKER_FEE]).toEqual([0.0005, 0.001]);
    expect(defaultFeeFor("spot")).toBe(0.001);
    expect(defaultFeeFor("futures")).toBe(0.0005);
    expect(() => defaultFeeFor("margin" as "spot")).toThrow(/market must be "spot" or "futures", got margin/);
  });

  it.each([
    [{ taker_fee: 0.5 }, "option taker_fee must be a finite number between 0 and 0.1, got 0.5"],
    [{ slippage: -0.001 }, "option slippage must be a finite number between 0 and 0.1, got -0.001"],
    [{ notional: 0 }, "option notional must be a finite number > 0, got 0"],
    [{ partials: [0.5, 0.25] as unknown as [number, number, number] }, "option partials must be three fractions"],
    [{ partials: [0.5, 0.5, 0.5] as const }, "option partials must sum to 1 (the whole position), got 1.5"],
    [{ partials: [1.5, -0.5, 0] as const }, "option partials[0] must be a finite number between 0 and 1, got 1.5"],
    [{ breakeven_after_t1: "yes" as unknown as boolean }, "option breakeven_after_t1 must be true or false, got yes"],
    [{ time_stop_ms: -1 }, "option time_stop_ms must be a number of ms > 0, or null for no time stop, got -1"],
    [{ breakeven_epsilon_r: Number.NaN }, "option breakeven_epsilon_r must be a finite number between 0 and 1"],
    [{ max_open_per_symbol_direction: 0 }, "option max_open_per_symbol_direction must be a whole number ≥ 1, got 0"],
  ])("rejects %j", (given, message) => {
    expect(() => resolvePaperBrokerOptions(given)).toThrow(UsageError);
    expect(() => resolvePaperBrokerOptions(given)).toThrow(message);
  });
});

describe("PaperBook", () => {
  it("allows one open trade per symbol and direction, walks them on its interval, and frees the slot on close", () => {
    const o = { slippage: 0, taker_fee: 0 };
    const book = new PaperBook("1h", o);
    const long = book.open(LONG, 100, T0);
    expect(book.canOpen("BTCUSDT", "LONG")).toBe(false);
    expect(book.canOpen("BTCUSDT", "SHORT")).toBe(true);
    expect(book.canOpen("ETHUSDT", "LONG")).toBe(true);
    const later = signal("LONG", 95, [110, 115, 120], { id: "BTCUSDT-LONG-later" });
    expect(() => book.open(later, 100, T0)).toThrow(/max_open_per_symbol_direction/);
    const eth = book.open(signal("LONG", 95, [110, 115, 120], { symbol: "ETHUSDT" }), 100, T0);

    // A 4h candle is not the book's interval: ignored. A BTC 1h candle reaching the stop closes only the BTC trade.
    expect(book.onCandle("BTCUSDT", "4h", candleAt(T0, 4 * HOUR, 100, 101, 90, 92))).toEqual({
      updated: [],
      closed: [],
      events: [],
    });
    const step = book.onCandle("BTCUSDT", "1h", bar(0, 100, 101, 94, 96));
    expect(step.closed.map((t) => [t.tradeId, t.exitReason, t.pnl])).toEqual([[long.tradeId, "stop", -50]]);
    expect(step.events.map((e) => e.kind)).toEqual(["exit", "closed"]);
    expect(book.openTrades().map((t) => t.tradeId)).toEqual([eth.tradeId]);
    expect(book.canOpen("BTCUSDT", "LONG")).toBe(true);

    const closed = book.close(eth.tradeId, 104, T0 + HOUR, "manual").trade;
    expect(closed).toMatchObject({ exitReason: "manual", pnl: 40 }); // 10 × (104 − 100)
    expect(book.openTrades()).toEqual([]);
    expect(() => book.close(eth.tradeId, 104, T0 + HOUR, "manual")).toThrow(/no open trade/);
  });

  it("allows more per symbol and direction when configured, and resumes open trades", () => {
    const book = new PaperBook("1h", { max_open_per_symbol_direction: 2 });
    book.open(LONG, 100, T0);
    expect(book.canOpen("BTCUSDT", "LONG")).toBe(true);
    book.open(signal("LONG", 95, [110, 115, 120], { id: "second" }), 100, T0);
    expect(book.canOpen("BTCUSDT", "LONG")).toBe(false);
    const resumed = new PaperBook("1h", {}, book.openTrades());
    expect(resumed.openCount("BTCUSDT", "LONG")).toBe(2);
  });
});

// ---------- properties ----------

interface PathCase {
  readonly direction: Direction;
  readonly slippage: number;
  readonly fee: number;
  readonly partials: readonly [number, number, number];
  readonly breakeven: boolean;
  readonly timeStopBars: number | null;
  /** Per 1h candle: four 15m candles as [gap, body, wickUp, wickDown] moves in price points. */
  readonly bars: readonly (readonly (readonly [number, number, number, number])[])[];
  readonly useFiner: boolean;
}

const move = fc.double({ min: -6, max: 6, noNaN: true });
const wick = fc.double({ min: 0, max: 4, noNaN: true });
const quarter = fc.tuple(fc.oneof(fc.constant(0), move), move, wick, wick);
const pathCase: fc.Arbitrary<PathCase> = fc.record({
  direction: fc.constantFrom<Direction>("LONG", "SHORT"),
  slippage: fc.constantFrom(0, 0.0002, 0.001),
  fee: fc.constantFrom(0, 0.0005, 0.001),
  partials: fc.constantFrom(
    [0.5, 0.25, 0.25] as const,
    [1, 0, 0] as const,
    [0, 0, 1] as const,
    [0.3, 0.3, 0.4] as const,
  ),
  breakeven: fc.boolean(),
  timeStopBars: fc.option(fc.integer({ min: 1, max: 8 })),
  bars: fc.array(fc.array(quarter, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
  useFiner: fc.boolean(),
});

/** Builds the 15m candles from the moves (prices kept ≥ 1) and the 1h candles that aggregate them. */
function candlesOf(p: PathCase): { hourly: Candle[]; finer: Candle[][] } {
  let price = 100;
  const hourly: Candle[] = [];
  const finer: Candle[][] = [];
  p.bars.forEach((quarters, i) => {
    const qs = quarters.map(([gap, body, up, down], j) => {
      const o = Math.max(1, price + gap);
      const c = Math.max(1, o + body);
      const h = Math.max(o, c) + up;
      const l = Math.max(0.5, Math.min(o, c) - down);
      price = c;
      return candleAt(T0 + i * HOUR + j * 15 * MINUTE, 15 * MINUTE, o, h, l, c);
    });
    finer.push(qs);
    hourly.push(
      candleAt(
        T0 + i * HOUR,
        HOUR,
        qs[0]!.open,
        Math.max(...qs.map((q) => q.high)),
        Math.min(...qs.map((q) => q.low)),
        qs[3]!.close,
      ),
    );
  });
  return { hourly, finer };
}

describe("properties", () => {
  it("net P&L = exit proceeds − entry cost − fees; remaining ≥ 0; a closed trade's exits add up to its qty", () => {
    fc.assert(
      fc.property(pathCase, (p) => {
        const s = p.direction === "LONG" ? LONG : SHORT;
        const o: PaperBrokerOptionsInput = {
          slippage: p.slippage,
          taker_fee: p.fee,
          partials: p.partials,
          breakeven_after_t1: p.breakeven,
          time_stop_ms: p.timeStopBars === null ? null : p.timeStopBars * HOUR,
        };
        const { hourly, finer } = candlesOf(p);
        let t = openPaperTrade(s, 100, T0, o);
        for (const [i, c] of hourly.entries()) {
          const before = JSON.stringify(t);
          const next = stepPaperTrade(t, c, o, p.useFiner ? finer[i] : undefined).trade;
          expect(JSON.stringify(t)).toBe(before); // never mutated
          t = next;
          expect(t.remainingQty).toBeGreaterThanOrEqual(0);
          expect(t.targetsHit).toBeGreaterThanOrEqual(0);
          expect(t.targetsHit).toBeLessThanOrEqual(3);
          expect(t.mfe).toBeGreaterThanOrEqual(0);
          expect(t.mae).toBeGreaterThanOrEqual(0);
        }
        if (t.status === "OPEN")
          t = closePaperTrade(t, hourly[hourly.length - 1]!.close, T0 + 13 * HOUR, "end_of_data", o).trade;
        const exitValue = t.exits.reduce((a, e) => a + e.price * e.qty, 0);
        const entryValue = t.entryPrice * t.qty;
        // LONG: sell proceeds − purchase cost; SHORT: sale proceeds at entry − buy-back cost.
        const gross = p.direction === "LONG" ? exitValue - entryValue : entryValue - exitValue;
        const fees = t.exits.reduce((a, e) => a + e.fee, entryValue * p.fee);
        expect(t.fees).toBeCloseTo(fees, 9);
        expect(t.pnl).toBeCloseTo(gross - fees, 8);
        expect(t.exits.reduce((a, e) => a + e.qty, 0)).toBeCloseTo(t.qty, 12);
        expect(t.remainingQty).toBe(0);
        expect(t.status).toBe("CLOSED");
        expect(t.rMultiple).toBeCloseTo(t.pnl / t.initialRisk, 12);
        expect(["WIN", "LOSS", "BREAKEVEN"]).toContain(t.outcome);
        expect(jsonSafetyProblems(t)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
