import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import { formatBinanceKlineCsv } from "../../src/market/binance-csv.js";
import { importKlineFiles, parseDumpFileName } from "../../src/market/import-klines.js";
import { makeZip } from "../storage/zip-writer.js";
import { at, bundled, bundledPath, key, type TempStore, tempStore } from "./helpers.js";

const FUT_HEADER =
  "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n";

/** Binance's 2025+ spot dump layout: microsecond timestamps, fixed 8 decimals. */
function microsCsv(candles: readonly Candle[]): string {
  return candles
    .map(
      (c) =>
        `${c.openTime * 1000},${c.open.toFixed(8)},${c.high.toFixed(8)},${c.low.toFixed(8)},${c.close.toFixed(8)},${c.volume.toFixed(8)},${c.closeTime * 1000 + 999},${c.quoteVolume.toFixed(8)},${c.trades},${c.takerBuyBase.toFixed(8)},${c.takerBuyQuote.toFixed(8)},0`,
    )
    .join("\n");
}

const inMonth = (cs: readonly Candle[], month: string) =>
  cs.filter((c) => new Date(c.openTime).toISOString().startsWith(month));

describe("parseDumpFileName", () => {
  it("reads symbol, interval and period from Binance's names", () => {
    expect(parseDumpFileName("/x/BTCUSDT-1h-2024-01.zip")).toEqual({
      symbol: "BTCUSDT",
      interval: "1h",
      period: { start: at("2024-01-01T00:00:00Z"), end: at("2024-02-01T00:00:00Z") },
    });
    expect(parseDumpFileName("BTCUSDT-1h-2024-02-29.csv")).toEqual({
      symbol: "BTCUSDT",
      interval: "1h",
      period: { start: at("2024-02-29T00:00:00Z"), end: at("2024-03-01T00:00:00Z") },
    });
    expect(parseDumpFileName("ETHUSDT-1mo-2024-01.zip")?.interval).toBe("1M");
    expect(parseDumpFileName("ETHUSDT-1m.csv.gz")).toEqual({ symbol: "ETHUSDT", interval: "1m" });
    expect(parseDumpFileName("BTCUSDT-1h-2023-02-30.csv")).toBeUndefined();
    expect(parseDumpFileName("BTCUSDT-7h.csv")).toBeUndefined();
    expect(parseDumpFileName("notes.csv")).toBeUndefined();
  });
});

describe("importKlineFiles", () => {
  let t: TempStore;
  let dumps: string;
  const target = { exchange: "binance", market: "spot" } as const;
  beforeEach(() => {
    t = tempStore();
    dumps = join(t.dir, "dumps");
    mkdirSync(dumps);
  });
  afterEach(() => t.close());

  it("imports .csv, .csv.gz and .zip files from a folder tree, reporting each series and its gaps", async () => {
    const h1 = bundled("spot", "BTCUSDT", "1h");
    const jan = inMonth(h1, "2023-01");
    const feb = inMonth(h1, "2023-02");
    const mar = inMonth(h1, "2023-03");
    mkdirSync(join(dumps, "monthly", "BTCUSDT"), { recursive: true });
    writeFileSync(join(dumps, "BTCUSDT-1h-2023-01.csv"), formatBinanceKlineCsv(jan));
    writeFileSync(join(dumps, "monthly", "BTCUSDT-1h-2023-02.csv.gz"), gzipSync(formatBinanceKlineCsv(feb)));
    writeFileSync(
      join(dumps, "monthly", "BTCUSDT", "BTCUSDT-1h-2023-03.zip"),
      makeZip([{ name: "BTCUSDT-1h-2023-03.csv", data: Buffer.from(formatBinanceKlineCsv(mar)), method: 8 }]),
    );
    writeFileSync(join(dumps, "BTCUSDT-1h-2023-03.zip.CHECKSUM"), "abc  BTCUSDT-1h-2023-03.zip\n"); // ignored
    const seen: string[] = [];
    const r = await importKlineFiles([dumps], t.store, target, { onFile: (f) => seen.push(f.file) });
    expect(r.skipped).toEqual([]);
    expect(r.files).toHaveLength(3);
    expect(seen).toHaveLength(3);
    expect(r.imported).toBe(jan.length + feb.length + mar.length);
    expect(r.series).toHaveLength(1);
    const s = r.series[0]!;
    expect(s).toMatchObject({
      symbol: "BTCUSDT",
      interval: "1h",
      files: 3,
      imported: jan.length + feb.length + mar.length,
    });
    expect(s.first).toBe(jan[0]!.openTime);
    expect(s.last).toBe(mar.at(-1)!.openTime);
    // March 2023 holds the 2023-03-24 halt and the missing 13:00 candle.
    expect(s.gaps.map((g) => [g.kind, new Date(g.from).toISOString()])).toEqual([
      ["halt", "2023-03-24T12:00:00.000Z"],
      ["missing", "2023-03-24T13:00:00.000Z"],
    ]);
    expect(t.store.range(key("BTCUSDT", "1h"))).toEqual([...jan, ...feb, ...mar]);
    // Dated files prove their whole month complete, including the missing hour (Binance has no candle there).
    expect(t.store.completeRanges(key("BTCUSDT", "1h"))).toEqual([
      { from: at("2023-01-01T00:00:00Z"), to: at("2023-03-31T23:00:00Z") },
    ]);

    const again = await importKlineFiles([dumps], t.store, target);
    expect(again.imported).toBe(0);
    expect(again.alreadyPresent).toBe(jan.length + feb.length + mar.length);
    expect(again.series[0]!.alreadyPresent).toBe(jan.length + feb.length + mar.length);
  });

  it("reads microsecond timestamps and header rows", async () => {
    const eth = bundled("spot", "ETHUSDT", "1h")
      .filter((c) => c.openTime >= at("2025-01-01T00:00:00Z"))
      .slice(0, 48);
    writeFileSync(join(dumps, "ETHUSDT-1h-2025-01-01.csv"), microsCsv(eth.slice(0, 24)));
    writeFileSync(join(dumps, "ETHUSDT-1h-2025-01-02.csv"), FUT_HEADER + microsCsv(eth.slice(24)));
    const algo = inMonth(bundled("futures", "ALGOUSDT", "15m"), "2024-02");
    writeFileSync(
      join(dumps, "ALGOUSDT-15m-2024-02.zip"),
      makeZip([
        { name: "ALGOUSDT-15m-2024-02.csv", data: Buffer.from(FUT_HEADER + formatBinanceKlineCsv(algo)), method: 8 },
      ]),
    );
    const r = await importKlineFiles(
      [join(dumps, "ETHUSDT-1h-2025-01-01.csv"), join(dumps, "ETHUSDT-1h-2025-01-02.csv")],
      t.store,
      target,
    );
    expect(r.skipped).toEqual([]);
    expect(r.imported).toBe(48);
    expect(t.store.range(key("ETHUSDT", "1h"))).toEqual(eth);
    const fut = await importKlineFiles([join(dumps, "ALGOUSDT-15m-2024-02.zip")], t.store, {
      ...target,
      market: "futures",
    });
    expect(fut.imported).toBe(algo.length);
    expect(t.store.range(key("ALGOUSDT", "15m", "futures"))).toEqual(algo);
  });

  it("imports undated files (the bundled ones) without claiming completeness beyond the data", async () => {
    const r = await importKlineFiles([bundledPath("futures", "ALGOUSDT", "1h")], t.store, {
      ...target,
      market: "futures",
    });
    expect(r.series[0]!.rows).toBe(bundled("futures", "ALGOUSDT", "1h").length);
    expect(r.series[0]!.gaps.filter((g) => g.kind === "missing")).toHaveLength(4);
    expect(t.store.recordedCoverage(key("ALGOUSDT", "1h", "futures"))).toEqual([]);
  });

  it("skips a damaged file with its name and the reason, and imports the rest whole", async () => {
    const sol = bundled("spot", "SOLUSDT", "1h");
    const jan = inMonth(sol, "2025-01");
    const feb = inMonth(sol, "2025-02");
    writeFileSync(join(dumps, "SOLUSDT-1h-2025-01.csv"), formatBinanceKlineCsv(jan));
    // February: a row in the middle has a broken number. Nothing of it may be stored.
    const lines = formatBinanceKlineCsv(feb).split("\n");
    lines[300] = (lines[300] as string).replace(/,[0-9.]+,/, ",12x.5,");
    writeFileSync(join(dumps, "SOLUSDT-1h-2025-02.csv"), lines.join("\n"));
    // A truncated gzip and a zip that is not one.
    const gz = gzipSync(formatBinanceKlineCsv(inMonth(sol, "2025-03")));
    writeFileSync(join(dumps, "SOLUSDT-1h-2025-03.csv.gz"), gz.subarray(0, gz.length - 100));
    writeFileSync(join(dumps, "SOLUSDT-1h-2025-04.zip"), "<html>Not Found</html>");
    // 4h candles inside a file named 1h.
    writeFileSync(
      join(dumps, "BTCUSDT-1h-2023-01.csv"),
      formatBinanceKlineCsv(inMonth(bundled("spot", "BTCUSDT", "4h"), "2023-01")),
    );
    writeFileSync(join(dumps, "random-name.csv"), "1,2,3\n");
    const r = await importKlineFiles([dumps, join(dumps, "does-not-exist")], t.store, target);
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.file.split("/").pop(), s.error]));
    expect(Object.keys(reasons).sort()).toEqual([
      "BTCUSDT-1h-2023-01.csv",
      "SOLUSDT-1h-2025-02.csv",
      "SOLUSDT-1h-2025-03.csv.gz",
      "SOLUSDT-1h-2025-04.zip",
      "does-not-exist",
      "random-name.csv",
    ]);
    expect(reasons["SOLUSDT-1h-2025-02.csv"]).toMatch(/SOLUSDT-1h-2025-02\.csv:301: column \w+ is "12x\.5"/);
    expect(reasons["SOLUSDT-1h-2025-03.csv.gz"]).toMatch(/not a valid gzip/);
    expect(reasons["SOLUSDT-1h-2025-04.zip"]).toMatch(/named like an archive but is not one/);
    expect(reasons["BTCUSDT-1h-2023-01.csv"]).toMatch(/not at the end of its 1h period/);
    expect(reasons["random-name.csv"]).toMatch(/cannot tell symbol and interval/);
    expect(reasons["does-not-exist"]).toMatch(/ENOENT/);
    expect(r.imported).toBe(jan.length);
    expect(t.store.range(key("SOLUSDT", "1h"))).toEqual(jan);
    expect(t.store.count(key("BTCUSDT", "1h"))).toBe(0);
  });

  it("refuses a dated file whose rows lie outside its period", async () => {
    const jan = inMonth(bundled("spot", "BTCUSDT", "1h"), "2023-01");
    writeFileSync(join(dumps, "BTCUSDT-1h-2023-02.csv"), formatBinanceKlineCsv(jan));
    const r = await importKlineFiles([dumps], t.store, target);
    expect(r.skipped[0]?.error).toMatch(/outside the period its name gives/);
    expect(t.store.count(key("BTCUSDT", "1h"))).toBe(0);
  });

  it("stops, instead of skipping file after file, when the database itself fails", async () => {
    const jan = inMonth(bundled("spot", "BTCUSDT", "1h"), "2023-01");
    writeFileSync(join(dumps, "BTCUSDT-1h-2023-01.csv"), formatBinanceKlineCsv(jan));
    t.store.db.exec(
      "CREATE TEMP TRIGGER full_disk BEFORE INSERT ON candles BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    );
    await expect(importKlineFiles([dumps], t.store, target)).rejects.toThrow(/disk is full/);
    t.store.db.exec("DROP TRIGGER full_disk");
    expect(t.store.count(key("BTCUSDT", "1h"))).toBe(0);
  });
});
