/** Options resolved once are handed back as they are; anything else is merged with the defaults and checked. */
import { describe, expect, it } from "vitest";
import { resolveMomentumOptions } from "../../src/agents/momentum.js";
import { resolvePriceActionOptions } from "../../src/agents/price-action.js";
import { resolveSrDetectorOptions } from "../../src/agents/sr-detector.js";
import { UsageError } from "../../src/core/errors.js";

describe("resolved options", () => {
  it("returns an object it resolved unchanged, and resolves an equal copy to an equal object", () => {
    const o = resolvePriceActionOptions({ atrPeriod: 10 });
    expect(o.atrPeriod).toBe(10);
    expect(resolvePriceActionOptions(o)).toBe(o);
    const copy = { ...o };
    const again = resolvePriceActionOptions(copy);
    expect(again).not.toBe(copy);
    expect(again).toEqual(o);
    const sr = resolveSrDetectorOptions({ lookback: 50 });
    expect(resolveSrDetectorOptions(sr)).toBe(sr);
  });

  it("never takes one agent's resolved options for another's, and still rejects bad ones", () => {
    const m = resolveMomentumOptions();
    // Price action has not resolved `m`: it merges its own defaults (m has none of its keys but the shared ones).
    const pa = resolvePriceActionOptions(m as never);
    expect(pa).not.toBe(m);
    expect(pa.atrPeriod).toBe(resolvePriceActionOptions().atrPeriod);
    expect(() => resolvePriceActionOptions({ atrPeriod: 0 })).toThrow(UsageError);
    expect(() => resolveMomentumOptions({ ...m, rsiPeriod: 1 })).toThrow(/rsiPeriod/);
  });
});
