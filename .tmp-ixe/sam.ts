import fc from "fast-check";
import { zScore } from "../src/indicators/index.ts";
fc.assert(fc.property(
  fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-8, max: 1e12, noNaN: true })), { minLength: 2, maxLength: 60 }),
  fc.integer({ min: 2, max: 20 }),
  (xs, period) => { const bound = Math.sqrt(period - 1) * (1 + 1e-12); return Array.from(zScore(xs, period)).every((v) => Number.isNaN(v) || Math.abs(v) <= bound); }),
  { numRuns: 50000 });
console.log("ok");
