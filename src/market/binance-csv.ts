/**
 * Binance's public kline dump format (data.binance.vision), 12 columns:
 * open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore
 * Futures files carry a header row since about 2022-05, spot files none; spot timestamps are in microseconds from
 * 2025-01-01 on. Both are detected per file/row here.
 */
import { assertValidCandle, type Candle } from "../core/candle.js";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { DataError } from "../core/errors.js";

/** Timestamps at or above this are microseconds (1e15 µs is 2001; 1e15 ms is year 33658). */
const MICROS_THRESHOLD = 1e15;

function toMs(t: number): number {
  return t >= MICROS_THRESHOLD ? Math.floor(t / 1000) : t;
}

function num(field: string, name: string, file: string, line: number): number {
  const v = Number(field);
  if (field === "" || !Number.isFinite(v)) {
    throw new DataError(`${file}:${line}: column ${name} is "${field}", expected a number`, {
      hint: "The file looks damaged or is not a Binance kline dump; re-download it or remove it from the import.",
    });
  }
  return v;
}

const COLS = [
  "open_time",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "close_time",
  "quote_volume",
  "count",
  "taker_buy_volume",
  "taker_buy_quote_volume",
];

/**
 * Parses one dump file's text. Rows must be in ascending open-time order without duplicates; a blank last line is
 * fine. Every candle is marked closed (dumps only hold finished candles).
 */
export function parseBinanceKlineCsv(text: string, file = "<csv>"): Candle[] {
  const out: Candle[] = [];
  const lines = text.split("\n");
  let prev = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw === undefined) continue;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") continue;
    if (i === 0 && /^[a-z_]/i.test(line)) continue; // header row
    const f = line.split(",");
    if (f.length < 11) {
      throw new DataError(`${file}:${i + 1}: expected 12 columns, found ${f.length}`, {
        hint: "Binance kline dumps have 12 comma-separated columns; the file may be truncated.",
      });
    }
    const n = (k: number) => num(f[k] as string, COLS[k] as string, file, i + 1);
    const c: Candle = {
      openTime: toMs(n(0)),
      open: n(1),
      high: n(2),
      low: n(3),
      close: n(4),
      volume: n(5),
      closeTime: toMs(n(6)),
      quoteVolume: n(7),
      trades: n(8),
      takerBuyBase: n(9),
      takerBuyQuote: n(10),
      closed: true,
    };
    try {
      assertValidCandle(c, `${file}:${i + 1}`);
    } catch (e) {
      throw new DataError((e as Error).message);
    }
    if (c.openTime <= prev) {
      throw new DataError(
        `${file}:${i + 1}: open time ${new Date(c.openTime).toISOString()} is not after the previous row's`,
        {
          hint: "Rows must be sorted by open time without duplicates.",
        },
      );
    }
    prev = c.openTime;
    out.push(c);
  }
  return out;
}

/** Writes candles in the same 12-column layout (milliseconds, no header). */
export function formatBinanceKlineCsv(candles: readonly Candle[]): string {
  let s = "";
  for (const c of candles) {
    s += `${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume},${c.closeTime},${c.quoteVolume},${c.trades},${c.takerBuyBase},${c.takerBuyQuote},0\n`;
  }
  return s;
}

/** Reads a dump file from disk: plain `.csv` or gzip-compressed `.csv.gz`. */
export function readKlineFile(path: string): Candle[] {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new DataError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError(`${path} is not a valid gzip file (${(e as Error).message})`, {
        hint: "The file may be truncated; download it again.",
      });
    }
  }
  return parseBinanceKlineCsv(buf.toString("utf8"), path);
}
