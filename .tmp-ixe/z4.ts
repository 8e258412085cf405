import { join } from "node:path";
import { readKlineFile } from "/work/main/src/market/binance-csv.ts";
import { zScore } from "/work/main/src/indicators/zscore.ts";
for (const f of ["BTCUSDT-1h.csv.gz", "BTCUSDT-5m.csv.gz", "XRPUSDT-1d.csv.gz", "ETHUSDT-4h.csv.gz"]) {
  for (const p of [20, 100]) {
  const c = readKlineFile(join("/work/main/assets/candles/binance-spot", f));
  (globalThis as any).__zr = 0;
  zScore(c.map(x => x.volume), p);
  console.log(f, p, c.length, "rebuilds", (globalThis as any).__zr);
  const closes = c.map(x => x.close); (globalThis as any).__zr = 0; zScore(closes, p); console.log("  closes rebuilds", (globalThis as any).__zr);
  }
}
