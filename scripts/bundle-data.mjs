#!/usr/bin/env node
// `node scripts/bundle-data.mjs DIR` rebuilds assets/candles/ from a folder of recorded Binance klines in Binance's
// dump layout (DIR/binance-spot/BTCUSDT-1h.csv and so on; their origins: assets/candles/PROVENANCE.md): the compact,
// gzip-compressed subset of real candles that the demo, the tests and the benchmarks use. Only for maintainers who
// want to change the subset; a clone needs nothing but assets/candles/.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const src = process.argv[2];
if (!src) {
  console.error("usage: node scripts/bundle-data.mjs DIR   (DIR holds binance-spot/ and binance-futures/ kline CSVs)");
  process.exit(2);
}
const dst = join("assets", "candles");
const D = (s) => Date.parse(`${s}T00:00:00Z`);

// [market folder, file stem, first open time kept (inclusive), last open time kept (exclusive)]
const SUBSET = [
  ...["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"].map((s) => ["binance-spot", `${s}-1d`, 0, Infinity]),
  ["binance-spot", "BTCUSDT-4h", 0, Infinity],
  ["binance-spot", "ETHUSDT-4h", 0, Infinity],
  // 2023 on: overlaps the 4h files completely and holds the 2023-03-24 spot trading halt.
  ["binance-spot", "BTCUSDT-1h", D("2023-01-01"), Infinity],
  ["binance-spot", "ETHUSDT-1h", D("2023-01-01"), Infinity],
  ["binance-spot", "SOLUSDT-1h", D("2025-01-01"), Infinity],
  ["binance-spot", "BNBUSDT-1h", D("2025-01-01"), Infinity],
  ["binance-spot", "XRPUSDT-1h", D("2025-01-01"), Infinity],
  // The last 16 weeks of the 5m files: 15m momentum and intrabar resolution for the demo period.
  ["binance-spot", "BTCUSDT-5m", D("2025-11-01"), Infinity],
  ["binance-spot", "ETHUSDT-5m", D("2025-11-01"), Infinity],
  // Futures with real taker-buy columns (order flow); month-long segments with gaps between them.
  ["binance-futures", "ALGOUSDT-1h", 0, Infinity],
  ["binance-futures", "ALGOUSDT-15m", 0, Infinity],
  ["binance-futures", "FILUSDT-1h", 0, Infinity],
];

let total = 0;
for (const [market, stem, from, to] of SUBSET) {
  const lines = readFileSync(join(src, market, `${stem}.csv`), "utf8").split("\n");
  const kept = lines.filter((l) => {
    if (!l) return false;
    const t = Number(l.slice(0, l.indexOf(",")));
    return t >= from && t < to;
  });
  const gz = gzipSync(`${kept.join("\n")}\n`, { level: 9 });
  mkdirSync(join(dst, market), { recursive: true });
  writeFileSync(join(dst, market, `${stem}.csv.gz`), gz);
  total += gz.length;
  console.log(`${market}/${stem}.csv.gz  ${kept.length} rows  ${(gz.length / 1024).toFixed(0)} KiB`);
}
console.log(`total ${(total / 1024 / 1024).toFixed(2)} MiB`);
