import { WindowSum } from "../src/indicators/compensated-sum.ts";
import { SMA } from "../src/indicators/index.ts";
let n = 0; const r0 = WindowSum.prototype.rebuild; WindowSum.prototype.rebuild = function (...a) { n++; return r0.apply(this, a as never); };
const s = new SMA(20); for (let i = 0; i < 4000; i++) { s.update(i % 500 === 250 ? 1e10 : 100 + (i % 7)); s.replace(5); s.replace(i % 500 === 250 ? 1e10 : 100 + (i % 7)); }
console.log("rebuilds", n);
