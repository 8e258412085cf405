/**
 * `cma download`: history into the candle store. Resumable (only what the store lacks is fetched), cheap (coarse
 * intervals are derived from finer ones), and safe to interrupt: every page is saved as it arrives.
 */
import { UsageError } from "../../core/errors.js";
import type { Interval } from "../../core/interval.js";
import { type SyncProgress, type SyncReport, syncCandles } from "../../market/sync.js";
import { formatInt, formatUtc, plural } from "../../ui/format.js";
import { ProgressBar } from "../../ui/progress.js";
import { renderTable } from "../../ui/table.js";
import { parseDateArg, parseIntArg, parseIntervals, parseSymbols } from "../args.js";
import type { CommandContext } from "../context.js";
import { gapCounts, printGaps } from "../gap-summary.js";
import type { CommandRegistration } from "../program.js";
import { EXIT } from "../report-error.js";
import { universeSymbols } from "../universe.js";

interface DownloadOptions {
  symbols?: string;
  intervals?: string;
  from: string;
  to?: string;
  concurrency: string;
  json?: boolean;
}

export const downloadCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("download")
      .description("download candle history into the local store (resumable; only missing candles are fetched)")
      .option(
        "-s, --symbols <list>",
        "comma-separated symbols, e.g. BTCUSDT,ETHUSDT (default: the configured universe)",
      )
      .option("-i, --intervals <list>", "comma-separated intervals, e.g. 1h,4h,1d (default: sr_detector.timeframes)")
      .requiredOption("--from <date>", "start, YYYY-MM-DD (UTC) or an ISO time")
      .option("--to <date>", "end, inclusive: YYYY-MM-DD (to the end of that day, UTC) or an ISO time (default: now)")
      .option("--concurrency <n>", "requests in flight at once, 1 to 16 (the weight budget still paces them)", "4")
      .option("--json", "print the report as JSON instead of a table")
      .action(bind<DownloadOptions>(download));
  },
};

async function download(ctx: CommandContext, opts: DownloadOptions): Promise<number> {
  const from = parseDateArg("--from", opts.from);
  const to = opts.to === undefined ? undefined : parseDateArg("--to", opts.to, { endOfDay: true });
  if (to !== undefined && to < from) throw new UsageError(`--from ${opts.from} is after --to ${opts.to}`);
  const concurrency = parseIntArg("--concurrency", opts.concurrency, 1, 16);
  const intervals: Interval[] = opts.intervals
    ? parseIntervals("--intervals", opts.intervals)
    : [...ctx.config.sr_detector.timeframes];
  const exchange = ctx.exchange();
  const symbols = opts.symbols ? parseSymbols("--symbols", opts.symbols) : await universeSymbols(ctx);
  if (symbols.length === 0) {
    throw new UsageError("No symbols to download: the configured universe is empty.", {
      hint: "Pass --symbols BTCUSDT,ETHUSDT or lower universe.min_quote_volume_24h.",
    });
  }
  const store = ctx.candleStore();

  // Created before the first request so its rate and ETA count the whole run; the total arrives with the first page.
  const bar = new ProgressBar({
    stream: ctx.io.stderr,
    total: 0,
    label: "download",
    unit: "candles",
    colors: ctx.errColors,
  });
  let drawn = false;
  const onProgress = (p: SyncProgress) => {
    if (p.phase !== "download" || p.total === 0) return;
    drawn = true;
    bar.setTotal(p.total);
    bar.update(p.done, `${p.symbol ?? ""} ${p.interval ?? ""} · weight ${formatInt(p.weight)}`.trim());
  };
  let report: SyncReport;
  try {
    report = await syncCandles(
      exchange,
      store,
      { symbols, intervals, from, ...(to !== undefined ? { to } : {}) },
      { concurrency, onProgress, signal: ctx.signal, logger: ctx.logger },
    );
  } finally {
    if (drawn) bar.finish();
  }

  const failed = report.series.filter((s) => s.error !== undefined);
  if (opts.json) ctx.json(report);
  else printReport(ctx, report);
  for (const s of failed) ctx.io.stderr.write(`${ctx.errColors.red("error:")} ${s.symbol} ${s.interval}: ${s.error}\n`);
  if (report.aborted) {
    ctx.note("interrupted: the candles downloaded so far are saved; run the same command again to resume");
    return EXIT.interrupted;
  }
  // Unknown symbols and unsupported intervals are the only per-series failures: input to correct.
  return failed.length ? EXIT.usage : EXIT.ok;
}

function printReport(ctx: CommandContext, r: SyncReport): void {
  const c = ctx.colors;
  const rows = r.series.map((s) => {
    const { missing, halted } = gapCounts(s.gaps);
    return [
      s.symbol,
      s.interval,
      s.derivedFrom ? `from ${s.derivedFrom}` : "exchange",
      formatInt(s.fetched),
      formatInt(s.derived),
      formatInt(s.alreadyPresent),
      missing ? c.yellow(formatInt(missing)) : "0",
      formatInt(halted),
      s.error ? c.red("failed") : "ok",
    ];
  });
  ctx.out(
    renderTable(
      ["symbol", "interval", "source", "fetched", "derived", "present", "missing", "halted", "status"],
      rows,
      { colors: c, maxWidth: ctx.io.stdout.columns },
    ),
  );
  const sum = (f: (s: SyncReport["series"][number]) => number) => r.series.reduce((n, s) => n + f(s), 0);
  ctx.out(
    `\n${formatUtc(r.from)} .. ${formatUtc(r.to)} UTC: ` +
      `${plural(
        sum((s) => s.fetched),
        "candle",
      )} fetched, ${formatInt(sum((s) => s.derived))} derived, ` +
      `${formatInt(sum((s) => s.alreadyPresent))} already present; ` +
      `${plural(r.requests, "request")}, weight ${formatInt(r.weight)}\n`,
  );
  printGaps(ctx, r.series);
}
