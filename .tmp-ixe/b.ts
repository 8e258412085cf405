import { atr, ema, macd, obv, percentRank, rsi, sma, zScore, swingPivots } from "/work/main/src/indicators/index.ts";
const n = 1_000_000; let s = 1;
const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
const c = new Float64Array(n), h = new Float64Array(n), l = new Float64Array(n), v = new Float64Array(n);
let p = 100; for (let i = 0; i < n; i++) { p *= 1 + (rnd() - 0.5) * 0.01; c[i] = p; h[i] = p * (1 + rnd() * 0.005); l[i] = p * (1 - rnd() * 0.005); v[i] = 1000 * rnd(); }
const t = (name: string, f: () => unknown) => { let best = 1e9; for (let r = 0; r < 5; r++) { const t0 = performance.now(); f(); best = Math.min(best, performance.now() - t0); } console.log(name.padEnd(12), best.toFixed(1), "ms"); };
t("rsi", () => rsi(c, 14)); t("ema", () => ema(c, 20)); t("sma", () => sma(c, 20)); t("atr", () => atr(h, l, c, 14)); t("macd", () => macd(c));
t("obv", () => obv(c, v)); t("zscore", () => zScore(v, 20)); t("prank20", () => percentRank(v, 20)); t("pivots", () => swingPivots(h, l, { left: 5, right: 5 }));
