import { join } from "node:path";
import { readKlineFile } from "/work/main/src/market/binance-csv.ts";
import { WindowSum } from "/work/main/src/indicators/compensated-sum.ts";
let rebuilds = 0;
const orig = (await import("/work/main/src/indicators/zscore.ts"));
for (const f of ["BTCUSDT-1h.csv.gz", "BTCUSDT-5m.csv.gz", "XRPUSDT-1d.csv.gz"]) {
  const c = readKlineFile(join("/work/main/assets/candles/binance-spot", f));
  const vol = c.map(x => x.volume);
  const proto = WindowSum.prototype as any;
  const r0 = proto.rebuild; let n = 0; proto.rebuild = function (...a: any[]) { n++; return r0.apply(this, a); };
  const t = performance.now(); orig.zScore(vol, 20); const ms = performance.now() - t;
  proto.rebuild = r0;
  console.log(f, vol.length, "sma/zscore WindowSum rebuild calls:", n, ms.toFixed(1), "ms");
}
