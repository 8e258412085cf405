import { rsi } from "/work/main/src/indicators/rsi.ts";
import { toFloat64, warmupArray } from "/work/main/src/indicators/validate.ts";
const n = 1_000_000; const c = new Float64Array(n); let p = 100; for (let i = 0; i < n; i++) { p *= 1 + (Math.random() - 0.5) * 0.01; c[i] = p; }
function wn(prev: number, x: number, period: number) { return (prev * (period - 1) + x) / period; }
function local(x: Float64Array, period: number) {
  const n = x.length; const out = warmupArray(n, period);
  let gain = 0, loss = 0;
  for (let i = 1; i <= period; i++) { const d = x[i]! - x[i - 1]!; if (d < 0) loss -= d; else gain += d; }
  gain /= period; loss /= period;
  for (let i = period + 1; i < n; i++) { const d = x[i]! - x[i - 1]!; gain = wn(gain, d > 0 ? d : 0, period); loss = wn(loss, d < 0 ? -d : 0, period); const t = gain + loss; out[i] = t === 0 ? 50 : 100 * (gain / t); }
  return out;
}
const T = (name: string, f: () => unknown) => { const ts: number[] = []; for (let r = 0; r < 8; r++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); } console.log(name, ts.map(t => t.toFixed(1)).join(" ")); };
T("alloc", () => new Float64Array(n));
T("warm", () => warmupArray(n, 14));
T("toF", () => toFloat64(c, "a", "b"));
T("local", () => local(c, 14));
T("rsi", () => rsi(c, 14));
