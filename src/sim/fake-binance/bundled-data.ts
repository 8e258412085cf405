/**
 * Serves the real recorded Binance candles shipped in assets/candles (gzip CSV dumps, one file per symbol and
 * interval). Any interval can be asked for: a stored file answers directly, other intervals are derived exactly from
 * a finer file, and the candle forming at "now" is built from the finest candles that closed before now plus a
 * pro-rata share of the one in progress, so it never shows a price the market has not reached yet.
 * Files are read on first use and cached for the life of the process (they are treated as immutable), so the many
 * fake servers a test suite starts share one parse of each file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Candle } from "../../core/candle.js";
import { DataError, UsageError } from "../../core/errors.js";
import { alignDown, divides, type Interval, intervalMs, isInterval } from "../../core/interval.js";
import { BUNDLED_CANDLES_DIR } from "../../core/paths.js";
import type { MarketType } from "../../exchange/exchange.js";
import { readKlineFile } from "../../market/binance-csv.js";
import { resample } from "../../market/resample.js";
import {
  aggregateStats,
  type FakeMarketData,
  flatStats,
  lowerBound,
  type SymbolPrecision,
  type WindowStats,
} from "./market-data.js";

export interface BundledMarketDataOptions {
  /** Folder holding `<SYMBOL>-<interval>.csv[.gz]` dumps; default assets/candles/binance-<market>. */
  readonly dir?: string;
  /** Serve only these symbols (each must have at least one file). */
  readonly symbols?: readonly string[];
}

const FILE_NAME = /^([A-Z0-9]+)-([0-9]+[smhdwM])\.csv(\.gz)?$/;
const MAX_DECIMALS = 8;

interface SeriesFile {
  readonly interval: Interval;
  readonly path: string;
}

interface FileSummary {
  readonly firstOpen: number;
  readonly price: number;
  readonly quantity: number;
  readonly quote: number;
}

// The dumps are read-only assets: parse each once per process, however many fake servers a test suite starts.
const parsed = new Map<string, Candle[]>();
const derivedCache = new Map<string, Candle[]>();
const summaries = new Map<string, FileSummary>();

function candlesOf(path: string): Candle[] {
  let c = parsed.get(path);
  if (!c) {
    c = readKlineFile(path);
    parsed.set(path, c);
  }
  return c;
}

/** First open time and the most decimals printed per column group, from one pass over the text (no parsing). */
function summaryOf(path: string): FileSummary {
  let s = summaries.get(path);
  if (s) return s;
  let firstOpen = Number.NaN;
  let price = 0;
  let quantity = 0;
  let quote = 0;
  for (const line of readText(path).split("\n")) {
    if (!/^\d/.test(line)) continue;
    const cols = line.split(",");
    if (cols.length < 11) continue;
    if (Number.isNaN(firstOpen)) {
      const t = Number(cols[0]);
      firstOpen = t >= 1e15 ? Math.floor(t / 1000) : t;
    }
    price = Math.max(price, decimals(cols[1]), decimals(cols[2]), decimals(cols[3]), decimals(cols[4]));
    quantity = Math.max(quantity, decimals(cols[5]), decimals(cols[9]));
    quote = Math.max(quote, decimals(cols[7]), decimals(cols[10]));
  }
  if (Number.isNaN(firstOpen)) {
    throw new DataError(`${path} holds no kline rows`, { hint: "Remove the empty file or download it again." });
  }
  s = { firstOpen, price, quantity, quote };
  summaries.set(path, s);
  return s;
}

/** Everything known about one symbol; candles are parsed on first use. */
class SymbolSeries {
  readonly #files: SeriesFile[];
  #precision: SymbolPrecision | undefined;

  constructor(files: SeriesFile[]) {
    // Finest first: the forming candle and rolling statistics prefer the most detailed data.
    this.#files = files.slice().sort((a, b) => intervalMs(a.interval) - intervalMs(b.interval));
  }

  stored(interval: Interval): Candle[] {
    const file = this.#files.find((f) => f.interval === interval);
    return file ? candlesOf(file.path) : [];
  }

  firstOpenTime(): number {
    return Math.min(...this.#files.map((f) => summaryOf(f.path).firstOpen));
  }

  /**
   * Closed candles of any interval: the stored file, else derived from the dividing file that reaches furthest back
   * (ties: the finest). Deriving from the 5m file alone would give BTCUSDT only three months of weekly candles.
   * Gaps are kept as Binance shows them: its own coarse candles cover exchange halts.
   */
  closed(interval: Interval): Candle[] {
    if (this.#files.some((f) => f.interval === interval)) return this.stored(interval);
    let best: SeriesFile | undefined;
    for (const f of this.#files) {
      if (!divides(f.interval, interval)) continue;
      if (!best || summaryOf(f.path).firstOpen < summaryOf(best.path).firstOpen) best = f;
    }
    if (!best) return [];
    const key = `${best.path}|${interval}`;
    let derived = derivedCache.get(key);
    if (!derived) {
      derived = resample(candlesOf(best.path), best.interval, interval, { allowGaps: true });
      derivedCache.set(key, derived);
    }
    return derived;
  }

  /**
   * The candle of `interval` containing `now`, from the finest dividing file that has data at `now`: its closed
   * candles since the bucket opened plus a pro-rata share of the one in progress.
   */
  forming(interval: Interval, now: number): Candle | undefined {
    const bucket = alignDown(interval, now);
    for (const f of this.#files) {
      if (!divides(f.interval, interval)) continue;
      const fine = this.stored(f.interval);
      const cur = alignDown(f.interval, now);
      const at = lowerBound(fine, cur);
      const current = fine[at];
      if (!current || current.openTime !== cur) continue;
      const parts = fine.slice(lowerBound(fine, bucket), at);
      parts.push(partialCandle(current, now, this.precision()));
      return resample(parts, f.interval, interval, { allowGaps: true, includeForming: true }).at(-1);
    }
    return undefined;
  }

  window(from: number, now: number): WindowStats | undefined {
    for (const f of this.#files) {
      const fine = this.stored(f.interval);
      const cur = alignDown(f.interval, now);
      const at = lowerBound(fine, cur);
      const current = fine[at];
      if (!current || current.openTime !== cur) continue;
      const start = Math.min(lowerBound(fine, from), at);
      const parts = fine.slice(start, at);
      parts.push(partialCandle(current, now, this.precision()));
      return aggregateStats(parts, fine[start - 1]?.close);
    }
    // No data at `now` (after the recording ends or inside a gap): the last known price, nothing traded.
    let last: Candle | undefined;
    for (const f of this.#files) {
      const fine = this.stored(f.interval);
      const c = fine[lowerBound(fine, now) - 1];
      if (c && c.closeTime < now && (!last || c.closeTime > last.closeTime)) last = c;
    }
    return last ? flatStats(last.close) : undefined;
  }

  /** Largest number of decimals ever printed, per column group, so every recorded value prints exactly. */
  precision(): SymbolPrecision {
    if (!this.#precision) {
      const all = this.#files.map((f) => summaryOf(f.path));
      const price = Math.min(MAX_DECIMALS, Math.max(...all.map((x) => x.price)));
      this.#precision = {
        price,
        quantity: Math.min(MAX_DECIMALS, Math.max(...all.map((x) => x.quantity))),
        quote: Math.min(MAX_DECIMALS, Math.max(price, ...all.map((x) => x.quote))),
      };
    }
    return this.#precision;
  }
}

function readText(path: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new DataError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString("utf8");
}

function decimals(field: string | undefined): number {
  if (!field) return 0;
  const dot = field.indexOf(".");
  return dot < 0 ? 0 : field.trimEnd().length - dot - 1;
}

function roundTo(v: number, digits: number): number {
  return Number(v.toFixed(digits));
}

/**
 * The part of `c` that has happened by `now`: prices move linearly from open towards close, volume accrues pro rata.
 * Every value stays inside the final candle's range, so a forming candle never leaks the future high or low.
 */
function partialCandle(c: Candle, now: number, p: SymbolPrecision): Candle {
  const share = Math.min(1, Math.max(0, (now - c.openTime) / (c.closeTime + 1 - c.openTime)));
  const close = roundTo(c.open + (c.close - c.open) * share, p.price);
  return {
    openTime: c.openTime,
    closeTime: c.closeTime,
    open: c.open,
    high: Math.max(c.open, close),
    low: Math.min(c.open, close),
    close,
    volume: roundTo(c.volume * share, p.quantity),
    quoteVolume: roundTo(c.quoteVolume * share, p.quote),
    trades: Math.floor(c.trades * share),
    takerBuyBase: roundTo(c.takerBuyBase * share, p.quantity),
    takerBuyQuote: roundTo(c.takerBuyQuote * share, p.quote),
    closed: false,
  };
}

/** Real Binance candles from assets/candles (or `dir`), for the fake server's spot or futures market. */
export function bundledMarketData(market: MarketType, opts: BundledMarketDataOptions = {}): FakeMarketData {
  const dir = opts.dir ?? join(BUNDLED_CANDLES_DIR, `binance-${market}`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new DataError(`Cannot list candle files in ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      hint: "Pass `dir` pointing at a folder of <SYMBOL>-<interval>.csv.gz Binance kline dumps.",
    });
  }
  const files = new Map<string, SeriesFile[]>();
  for (const name of names.sort()) {
    const m = FILE_NAME.exec(name);
    if (!m || !isInterval(m[2] as string)) continue;
    const symbol = m[1] as string;
    const list = files.get(symbol) ?? [];
    list.push({ interval: m[2] as Interval, path: join(dir, name) });
    files.set(symbol, list);
  }
  let wanted = [...files.keys()];
  if (opts.symbols) {
    const missing = opts.symbols.filter((s) => !files.has(s));
    if (missing.length > 0) {
      throw new UsageError(
        `No candle files for ${missing.join(", ")} in ${dir} (available: ${wanted.join(", ") || "none"})`,
        { hint: "Add <SYMBOL>-<interval>.csv.gz Binance kline dumps to that folder, or pick an available symbol." },
      );
    }
    wanted = [...new Set(opts.symbols)];
  }
  if (wanted.length === 0) {
    throw new DataError(`No <SYMBOL>-<interval>.csv.gz candle files in ${dir}`);
  }
  const series = new Map(wanted.map((s) => [s, new SymbolSeries(files.get(s) as SeriesFile[])]));
  const symbols = Object.freeze(wanted);

  return {
    symbols: () => symbols,
    firstOpenTime: (symbol) => series.get(symbol)?.firstOpenTime(),
    precision: (symbol) => series.get(symbol)?.precision() ?? { price: 8, quantity: 8, quote: 8 },
    window: (symbol, from, now) => series.get(symbol)?.window(from, now),
    candles(symbol, interval, startTime, endTime, limit, now) {
      const s = series.get(symbol);
      if (!s || limit <= 0) return [];
      const closed = s.closed(interval);
      const hi = Math.min(endTime, now);
      const out: Candle[] = [];
      for (let i = lowerBound(closed, startTime); i < closed.length && out.length < limit; i++) {
        const c = closed[i] as Candle;
        if (c.openTime > hi || c.closeTime >= now) break;
        out.push(c);
      }
      const bucket = alignDown(interval, now);
      if (out.length < limit && bucket >= startTime && bucket <= hi) {
        const forming = s.forming(interval, now);
        if (forming) out.push(forming);
      }
      return out;
    },
  };
}
