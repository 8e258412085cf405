import fc from "fast-check";
import { zScore, ZScore, sma } from "/work/main/src/indicators/index.ts";
function twoPass(x: ArrayLike<number>, period: number): Float64Array {
  return Float64Array.from(x, (v, i) => {
    if (i < period - 1) return Number.NaN;
    let allEq = true; for (let j = i - period + 1; j <= i; j++) if (x[j] !== v) allEq = false;
    if (allEq) return 0;
    let mean = 0; for (let j = i - period + 1; j <= i; j++) mean += x[j]!; mean /= period;
    let ss = 0; for (let j = i - period + 1; j <= i; j++) ss += (x[j]! - mean) ** 2;
    return ss === 0 ? 0 : (v - mean) / Math.sqrt(ss / period);
  });
}
const vol = fc.oneof(fc.constant(0), fc.tuple(fc.integer({min:1,max:999999}), fc.integer({min:-8,max:6})).map(([m,e]) => m * 10 ** e));
let worst = 0;
fc.assert(fc.property(fc.array(vol, {minLength: 2, maxLength: 120}), fc.integer({min:2,max:25}), (xs, p) => {
  const a = zScore(xs, p), b = twoPass(xs, p);
  for (let i = 0; i < xs.length; i++) { if (Number.isNaN(a[i]!) !== Number.isNaN(b[i]!)) return false; if (!Number.isNaN(a[i]!)) { const d = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)); worst = Math.max(worst, d); if (d > 1e-9) { console.log(xs, p, i, a[i], b[i]); return false; } } }
  if (Math.max(...Array.from(a).filter(v=>!Number.isNaN(v)).map(Math.abs)) > Math.sqrt(p-1)*(1+1e-12)) return false;
  return true;
}), { numRuns: 20000 });
console.log("worst", worst);
// near-constant windows
console.log(zScore([1e9, 1e9 + 1e-7, 1e9, 1e9+1e-7, 1e9+2e-7], 2), twoPass([1e9, 1e9 + 1e-7, 1e9, 1e9+1e-7, 1e9+2e-7], 2));
// sma robustness: big then tiny
const xs = [1e12, 1e-6, 2e-6, 3e-6, 4e-6, 5e-6]; console.log(sma(xs, 2));
