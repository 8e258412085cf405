/**
 * The streaming-indicator contract, checked the same way for every indicator: each one is registered with
 * `streamingContract({...})` (see streaming-contract.test.ts) and gets the same six tests.
 *
 * Streaming and batch forms share their maths operation for operation (for the moving averages and oscillators, the
 * very same kernel), so they are compared EXACTLY (Object.is by default), not within a tolerance: any drift means the
 * two forms no longer compute the same thing, or the streaming form's replace does not restore its state exactly.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CmaError } from "../../src/core/errors.js";
import type { StreamingIndicator } from "../../src/indicators/index.js";

export interface StreamingContract<In, Out> {
  readonly name: string;
  readonly create: () => StreamingIndicator<In, Out>;
  /** Real inputs, long enough to pass the warm-up many times over. */
  readonly inputs: () => readonly In[];
  /** The batch form's answer for each index (undefined during warm-up). */
  readonly batch: (inputs: readonly In[]) => readonly (Out | undefined)[];
  /** A different valid input to stand in for `input` at `index` (the live candle changing). */
  readonly vary: (input: In, index: number) => In;
  /** An input the indicator must reject (NaN somewhere). */
  readonly invalid: In;
  readonly same?: (a: Out, b: Out) => boolean;
  /**
   * Random valid inputs, for the property: after any sequence of updates and replaces, the value is the batch form's
   * last value over the inputs in force (each replace standing in for the one before it).
   */
  readonly arbitrary?: fc.Arbitrary<In>;
}

function firstMismatch<Out>(
  got: readonly (Out | undefined)[],
  want: readonly (Out | undefined)[],
  same: (a: Out, b: Out) => boolean,
): number {
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (g === undefined || w === undefined ? g !== w : !same(g, w)) return i;
  }
  return got.length === want.length ? -1 : want.length;
}

export function streamingContract<In, Out>(c: StreamingContract<In, Out>): void {
  const same = c.same ?? ((a: Out, b: Out) => Object.is(a, b));
  const expectAll = (got: readonly (Out | undefined)[], want: readonly (Out | undefined)[]) => {
    const at = firstMismatch(got, want, same);
    const show = (v: unknown) => JSON.stringify(v) ?? "undefined";
    expect(at, at < 0 ? "" : `first mismatch at index ${at}: got ${show(got[at])}, want ${show(want[at])}`).toBe(-1);
  };

  describe(`${c.name}: streaming contract`, () => {
    it("gives no value before requiredInputs inputs, then one for every input", () => {
      const inputs = c.inputs();
      const want = c.batch(inputs);
      const ind = c.create();
      const firstValid = want.findIndex((v) => v !== undefined);
      expect(firstValid).toBe(ind.requiredInputs - 1);
      const seen = inputs.map((input, i) => {
        const v = ind.update(input);
        return [v !== undefined, ind.value !== undefined, ind.isStable, ind.count === i + 1].join();
      });
      const expected = inputs.map((_, i) => {
        const ready = i >= ind.requiredInputs - 1;
        return [ready, ready, ready, true].join();
      });
      expect(seen).toEqual(expected);
    });

    it("equals the batch form at every index of real candles", () => {
      const inputs = c.inputs();
      const ind = c.create();
      expectAll(
        inputs.map((x) => ind.update(x)),
        c.batch(inputs),
      );
    });

    it("treats replace(last input) as a no-op", () => {
      const inputs = c.inputs();
      const ind = c.create();
      const added: (Out | undefined)[] = [];
      const replaced: (Out | undefined)[] = [];
      const got = inputs.map((x) => {
        added.push(ind.update(x));
        replaced.push(ind.replace(x));
        return ind.replace(x);
      });
      expectAll(replaced, added);
      expectAll(got, c.batch(inputs));
      expect(ind.count).toBe(inputs.length);
    });

    it("replace(y) equals update(y), and replacing back restores the exact state", () => {
      const inputs = c.inputs();
      const want = c.batch(inputs);
      const addsY = c.create(); // takes the varied input by update, then the real one by replace
      const addsX = c.create(); // takes the real input by update, then the varied one and back by replace
      const viaAdd: (Out | undefined)[] = [];
      const viaReplace: (Out | undefined)[] = [];
      const restored: (Out | undefined)[] = [];
      const addsYBack: (Out | undefined)[] = [];
      inputs.forEach((x, i) => {
        const y = c.vary(x, i);
        viaAdd.push(addsY.update(y));
        addsX.update(x);
        viaReplace.push(addsX.replace(y));
        addsX.replace(c.vary(y, i)); // a second change of the live candle before it closes
        restored.push(addsX.replace(x));
        addsYBack.push(addsY.replace(x));
      });
      expectAll(addsYBack, want);
      expectAll(viaReplace, viaAdd);
      expectAll(restored, want);
      expect(addsY.value).toEqual(want.at(-1));
    });

    it("acts as update when replace comes first", () => {
      const inputs = c.inputs().slice(0, 3 * c.create().requiredInputs + 5);
      const ind = c.create();
      const got = inputs.map((x, i) => (i === 0 ? ind.replace(x) : ind.update(x)));
      expectAll(got, c.batch(inputs));
    });

    if (c.arbitrary) {
      const input = c.arbitrary;
      it("any sequence of updates and replaces ends where the batch form over the inputs in force does (property)", () => {
        fc.assert(
          fc.property(
            fc.array(fc.record({ input, replace: fc.boolean() }), { minLength: 1, maxLength: 120 }),
            (ops) => {
              const ind = c.create();
              const inForce: In[] = [];
              for (const op of ops) {
                let got: Out | undefined;
                if (op.replace && inForce.length > 0) {
                  got = ind.replace(op.input);
                  inForce[inForce.length - 1] = op.input;
                } else {
                  got = ind.update(op.input);
                  inForce.push(op.input);
                }
                const want = c.batch(inForce).at(-1);
                if (got === undefined || want === undefined) expect(got).toBe(want);
                else expect(same(got, want)).toBe(true);
                expect(ind.count).toBe(inForce.length);
              }
            },
          ),
          { numRuns: 60 },
        );
      });
    }

    it("rejects a bad input with a clear error and keeps its state", () => {
      const inputs = c.inputs();
      const ind = c.create();
      const mid = Math.floor(inputs.length / 2);
      const got = inputs.map((x, i) => {
        if (i === mid) {
          expect(() => ind.update(c.invalid)).toThrow(CmaError);
          expect(() => ind.replace(c.invalid)).toThrow(/finite/);
          expect(ind.count).toBe(mid);
        }
        return ind.update(x);
      });
      expectAll(got, c.batch(inputs));
    });
  });
}
