/**
 * CandleBlock is the storage of a market view's series state: candles as columns that views read in place. Rows once
 * written never change, a block carried to a new one keeps every candle and the indicator streams over the rows it
 * keeps, and the candles it gives back are the candles it was given.
 */
import { describe, expect, it } from "vitest";
import { CANDLE_FIELDS } from "../../src/core/candle.js";
import { blockOf, CandleBlock } from "../../src/indicators/candle-block.js";
import { advanceStream, macdStream, rsiStream } from "../../src/indicators/streams.js";
import { macd, rsi } from "../../src/indicators/index.js";
import { bundled } from "../market/helpers.js";

const eth = bundled("spot", "ETHUSDT", "1h").slice(0, 900);

describe("CandleBlock", () => {
  it("gives back exactly the candles it holds, every field, as closed candles in the order a Candle is built", () => {
    const b = blockOf(eth.slice(0, 300), 10);
    expect(b.used).toBe(300);
    expect(b.room).toBe(10);
    expect(b.candles(0, 300)).toStrictEqual(eth.slice(0, 300));
    expect(Object.keys(b.candle(7))).toEqual([...CANDLE_FIELDS, "closed"]);
    expect(b.holds(42, eth[42]!)).toBe(true);
    expect(b.holds(42, { ...eth[42]!, takerBuyQuote: eth[42]!.takerBuyQuote + 1 })).toBe(false);
    expect(b.holds(42, { ...eth[42]!, closed: false })).toBe(false);
    expect(b.lowerBound(eth[100]!.openTime, 0, 300)).toBe(100);
    expect(b.lowerBound(eth[100]!.openTime + 1, 0, 300)).toBe(101);
    expect(b.lowerBound(eth[299]!.openTime + 1, 0, 300)).toBe(300);
  });

  it("appends after its rows, leaving the rows a view reads as they were", () => {
    const b = new CandleBlock(500);
    b.append(eth.slice(0, 200));
    const view = b.cols.close.subarray(0, 200);
    const before = Array.from(view);
    b.append(eth.slice(0, 500), 200);
    expect(b.used).toBe(500);
    expect(() => b.append(eth.slice(500, 501))).toThrow(/1 candles appended with room for 0/);
    expect(Array.from(view)).toEqual(before);
    expect(b.candles(200, 500)).toStrictEqual(eth.slice(200, 500));
  });

  it("carries the rows it keeps to a bigger block, and the streams anchored in them, values moved along", () => {
    const b = blockOf(eth.slice(0, 600));
    const close = b.cols;
    // One stream anchored inside the kept rows, one before them (it cannot move).
    b.streams.set("rsi:14", advanceStream(undefined, rsiStream(14), close, b.capacity, 250, 600));
    b.streams.set("macd", advanceStream(undefined, macdStream(12, 26, 9), close, b.capacity, 100, 600));
    const c = CandleBlock.carry(b, 200, 400, 700);
    expect(c.capacity).toBe(700);
    expect(c.used).toBe(400);
    expect(c.candles(0, 400)).toStrictEqual(eth.slice(200, 600));
    expect([...c.streams.keys()]).toEqual(["rsi:14"]);
    const moved = c.streams.get("rsi:14")!;
    expect([moved.anchor, moved.upTo]).toEqual([50, 400]);
    // The moved stream goes on over rows appended to the new block as a stream from the same candles would.
    c.append(eth, 600);
    const s = advanceStream(moved, rsiStream(14), c.cols, c.capacity, 50, 700);
    const want = rsi(
      eth.slice(250, 900).map((x) => x.close),
      14,
    );
    expect(Array.from(s.values[0]!.subarray(50, 700))).toEqual(Array.from(want));
    // The old block is untouched, for the series still viewing it.
    expect(b.candles(0, 600)).toStrictEqual(eth.slice(0, 600));
    const m = macd(
      eth.slice(100, 600).map((x) => x.close),
      { fast: 12, slow: 26, signal: 9 },
    );
    expect(Array.from(b.streams.get("macd")!.values[2]!.subarray(100, 600))).toEqual(Array.from(m.histogram));
  });
});
