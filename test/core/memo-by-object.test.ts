import { describe, expect, it } from "vitest";
import { memoByObject } from "../../src/core/memo-by-object.js";

describe("memoByObject", () => {
  it("computes once per argument object, again for another object, and remembers nothing that threw", () => {
    let calls = 0;
    const double = memoByObject((o: { n: number }) => {
      calls++;
      if (o.n < 0) throw new Error(`negative: ${o.n}`);
      return { doubled: o.n * 2 };
    });
    const a = { n: 2 };
    const first = double(a);
    expect(first).toEqual({ doubled: 4 });
    expect(double(a)).toBe(first);
    expect(calls).toBe(1);
    // An equal but different object is another key.
    expect(double({ n: 2 })).not.toBe(first);
    expect(calls).toBe(2);
    const bad = { n: -1 };
    expect(() => double(bad)).toThrow("negative: -1");
    expect(() => double(bad)).toThrow("negative: -1");
    expect(calls).toBe(4);
  });
});
