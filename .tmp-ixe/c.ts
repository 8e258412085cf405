const n = 1_000_000; const c = new Float64Array(n); for (let i = 0; i < n; i++) c[i] = Math.random();
function sum(x: Float64Array) { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]!; return s; }
function fin(x: Float64Array) { for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new Error(); return x; }
function fill(n: number) { return new Float64Array(n).fill(NaN); }
for (const [name, f] of [["sum", () => sum(c)], ["fin", () => fin(c)], ["fill", () => fill(n)]] as const) {
  let best = 1e9; for (let r = 0; r < 5; r++) { const t0 = performance.now(); f(); best = Math.min(best, performance.now() - t0); } console.log(name, best.toFixed(2));
}
