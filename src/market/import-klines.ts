/**
 * Imports Binance's public kline dumps (data.binance.vision) into the candle store: `.csv`, `.csv.gz` and
 * single-file `.zip` archives, given as files or folders (searched recursively). Symbol and interval come from the
 * file name (`BTCUSDT-1h-2024-01.zip`, `BTCUSDT-1h-2024-01-15.csv`, `BTCUSDT-1h.csv.gz`; `1mo` is 1M). Each file is
 * stored in one transaction: a damaged file is reported by name and skipped, and leaves nothing half-written.
 * A dated file (a whole month or day) also records that period as complete, so a later sync does not ask the
 * exchange for candles the dump shows do not exist.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Candle } from "../core/candle.js";
import { describeError, DataError } from "../core/errors.js";
import { type Interval, isInterval } from "../core/interval.js";
import { type Logger, silentLogger } from "../core/log.js";
import type { ExchangeId, MarketType } from "../exchange/exchange.js";
import { readSingleFileZip } from "../storage/zip.js";
import { parseBinanceKlineCsv } from "./binance-csv.js";
import { type CandleStore, CandleValidationError } from "./candle-store.js";
import type { Gap } from "./gaps.js";
import { alignUp, type OpenTimeRange, previousOpenTime } from "./ranges.js";
import { type SeriesKey, seriesId } from "./series.js";

export interface ImportTarget {
  readonly exchange: ExchangeId;
  readonly market: MarketType;
}

export interface ImportOptions {
  readonly logger?: Logger;
  /** Called after each file, imported or skipped. */
  readonly onFile?: (r: ImportFileReport) => void;
}

export interface ImportFileReport {
  readonly file: string;
  readonly symbol?: string;
  readonly interval?: Interval;
  /** Candle rows in the file. */
  readonly rows: number;
  /** Rows added or changed in the store. */
  readonly imported: number;
  /** Rows identical to what the store already held. */
  readonly alreadyPresent: number;
  /** Why the file was skipped (nothing of it was stored). */
  readonly error?: string;
}

export interface ImportSeriesReport {
  readonly symbol: string;
  readonly interval: Interval;
  readonly files: number;
  readonly rows: number;
  readonly imported: number;
  readonly alreadyPresent: number;
  /** Open times of the first and last imported candle. */
  readonly first: number;
  readonly last: number;
  /** Missing and halted candles in the stored series between `first` and `last`. */
  readonly gaps: Gap[];
}

export interface ImportReport {
  readonly files: ImportFileReport[];
  readonly series: ImportSeriesReport[];
  /** Files that could not be imported, with the reason. */
  readonly skipped: ImportFileReport[];
  readonly imported: number;
  readonly alreadyPresent: number;
}

export interface DumpFileName {
  readonly symbol: string;
  readonly interval: Interval;
  /** The month or day the file covers, when its name says so: [start, end) in epoch ms. */
  readonly period?: { readonly start: number; readonly end: number };
}

const NAME_RE =
  /^([A-Z0-9][A-Z0-9_]*)-(1s|1mo|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M)(?:-(\d{4})-(\d{2})(?:-(\d{2}))?)?\.(csv|csv\.gz|zip)$/;
const DATA_FILE_RE = /\.(csv|csv\.gz|zip)$/i;

/** Symbol, interval and period from a dump file's name, or undefined when the name does not follow the pattern. */
export function parseDumpFileName(name: string): DumpFileName | undefined {
  const m = NAME_RE.exec(basename(name));
  if (!m) return undefined;
  const interval = m[2] === "1mo" ? "1M" : (m[2] as string);
  if (!isInterval(interval)) return undefined;
  const symbol = m[1] as string;
  if (m[3] === undefined) return { symbol, interval };
  const y = Number(m[3]);
  const mo = Number(m[4]) - 1;
  if (mo < 0 || mo > 11) return undefined;
  if (m[5] === undefined)
    return { symbol, interval, period: { start: Date.UTC(y, mo, 1), end: Date.UTC(y, mo + 1, 1) } };
  const d = Number(m[5]);
  const start = Date.UTC(y, mo, d);
  if (d < 1 || new Date(start).getUTCMonth() !== mo) return undefined;
  return { symbol, interval, period: { start, end: Date.UTC(y, mo, d + 1) } };
}

/** Reads a dump file's candles: plain, gzip or single-entry zip, detected by content. */
export async function readDumpFile(path: string): Promise<Candle[]> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new DataError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: "Check the path and its permissions.",
      cause: e,
    });
  }
  let label = path;
  if (buf[0] === 0x50 && buf[1] === 0x4b) {
    const entry = readSingleFileZip(buf, path);
    buf = entry.data;
    label = `${path}!${entry.name}`;
  } else if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError(`${path} is not a valid gzip file (${(e as Error).message}).`, {
        hint: "The file may be truncated; download it again.",
        cause: e,
      });
    }
  } else if (/\.(zip|gz)$/i.test(path)) {
    throw new DataError(`${path} is named like an archive but is not one.`, {
      hint: "The download may have failed (an error page saved under that name); download it again.",
    });
  }
  if (buf.includes(0)) {
    throw new DataError(`${label} contains binary data, not CSV text.`, {
      hint: "The file is damaged or not a kline dump; download it again.",
    });
  }
  return parseBinanceKlineCsv(buf.toString("utf8"), label);
}

async function collect(paths: readonly string[]): Promise<{ files: string[]; problems: ImportFileReport[] }> {
  const files: string[] = [];
  const problems: ImportFileReport[] = [];
  const walk = async (p: string, explicit: boolean): Promise<void> => {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch (e) {
      problems.push({
        file: p,
        rows: 0,
        imported: 0,
        alreadyPresent: 0,
        error: `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      });
      return;
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).sort();
      for (const n of names) await walk(join(p, n), false);
    } else if (explicit || DATA_FILE_RE.test(p)) {
      files.push(p);
    }
  };
  for (const p of paths) await walk(resolve(p), true);
  return { files: [...new Set(files)], problems };
}

export async function importKlineFiles(
  paths: readonly string[],
  store: CandleStore,
  target: ImportTarget,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const log = opts.logger ?? silentLogger;
  const { files, problems } = await collect(paths);
  const reports: ImportFileReport[] = [...problems];
  for (const p of problems) opts.onFile?.(p);
  const seriesAcc = new Map<
    string,
    {
      key: SeriesKey;
      files: number;
      rows: number;
      imported: number;
      alreadyPresent: number;
      first: number;
      last: number;
    }
  >();
  for (const file of files) {
    const { report: r, span } = await importOne(file, store, target);
    reports.push(r);
    opts.onFile?.(r);
    if (r.error) {
      log.log("warn", "import: file skipped", { file, error: r.error });
      continue;
    }
    log.log("debug", "import: file", { file, rows: r.rows, imported: r.imported });
    if (r.rows === 0 || !r.symbol || !r.interval) continue;
    const key: SeriesKey = { ...target, symbol: r.symbol, interval: r.interval };
    const k = seriesId(key);
    const acc = seriesAcc.get(k) ?? {
      key,
      files: 0,
      rows: 0,
      imported: 0,
      alreadyPresent: 0,
      first: Number.POSITIVE_INFINITY,
      last: Number.NEGATIVE_INFINITY,
    };
    acc.files++;
    acc.rows += r.rows;
    acc.imported += r.imported;
    acc.alreadyPresent += r.alreadyPresent;
    if (span) {
      acc.first = Math.min(acc.first, span.from);
      acc.last = Math.max(acc.last, span.to);
    }
    seriesAcc.set(k, acc);
  }
  const series: ImportSeriesReport[] = [...seriesAcc.values()]
    .sort((a, b) => a.key.symbol.localeCompare(b.key.symbol) || a.key.interval.localeCompare(b.key.interval))
    .map((a) => ({
      symbol: a.key.symbol,
      interval: a.key.interval,
      files: a.files,
      rows: a.rows,
      imported: a.imported,
      alreadyPresent: a.alreadyPresent,
      first: a.first,
      last: a.last,
      gaps: store.gaps(a.key, a.first, a.last),
    }));
  const skipped = reports.filter((r) => r.error !== undefined);
  return {
    files: reports,
    series,
    skipped,
    imported: reports.reduce((n, r) => n + r.imported, 0),
    alreadyPresent: reports.reduce((n, r) => n + r.alreadyPresent, 0),
  };
}

/** Wraps an error of the store so the per-file handler lets it through. */
class DatabaseFailure extends DataError {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original), { cause: original });
  }
}

/** Imports one file in one transaction; `span` is the first and last open time it held. */
async function importOne(
  file: string,
  store: CandleStore,
  target: ImportTarget,
): Promise<{ report: ImportFileReport; span?: OpenTimeRange }> {
  const name = parseDumpFileName(file);
  if (!name) {
    const report: ImportFileReport = {
      file,
      rows: 0,
      imported: 0,
      alreadyPresent: 0,
      error:
        "cannot tell symbol and interval from the file name; expected Binance's naming, e.g. BTCUSDT-1h-2024-01.zip or BTCUSDT-1h.csv.gz",
    };
    return { report };
  }
  const { symbol, interval, period } = name;
  try {
    const candles = await readDumpFile(file);
    const key: SeriesKey = { ...target, symbol, interval };
    let coverage: OpenTimeRange | undefined;
    if (period) {
      const from = alignUp(interval, period.start);
      const to = previousOpenTime(interval, alignUp(interval, period.end));
      const inside = candles.every((c) => c.openTime >= period.start && c.openTime < period.end);
      if (!inside) {
        throw new DataError(`${file} holds candles outside the period its name gives.`, {
          hint: "The file may have been renamed; give it its original name, or a name without a date.",
        });
      }
      if (from <= to) coverage = { from, to };
    }
    let imported: number;
    try {
      imported = store.upsert(key, candles, coverage ? { coverage } : {});
    } catch (e) {
      if (e instanceof CandleValidationError) throw e;
      throw new DatabaseFailure(e);
    }
    const report = {
      file,
      symbol,
      interval,
      rows: candles.length,
      imported,
      alreadyPresent: candles.length - imported,
    };
    const first = candles[0];
    const last = candles[candles.length - 1];
    return first && last ? { report, span: { from: first.openTime, to: last.openTime } } : { report };
  } catch (e) {
    // The file's own faults skip the file; a failing database (disk full, locked) stops the import.
    if (e instanceof DatabaseFailure) throw e.original;
    if (!(e instanceof DataError)) throw e;
    const { message, hint } = describeError(e);
    const error = hint ? `${message} ${hint}` : message;
    return { report: { file, symbol, interval, rows: 0, imported: 0, alreadyPresent: 0, error } };
  }
}
