/**
 * `cma import`: Binance dump files (data.binance.vision .zip, .csv, .csv.gz) into the candle store. Files are named
 * SYMBOL-INTERVAL[-YYYY-MM[-DD]]; folders are searched. Importing the same files twice changes nothing.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../../core/errors.js";
import type { MarketType } from "../../exchange/exchange.js";
import { type ImportReport, importKlineFiles } from "../../market/import-klines.js";
import { formatInt, formatUtc, plural } from "../../ui/format.js";
import { ProgressBar } from "../../ui/progress.js";
import { renderTable } from "../../ui/table.js";
import type { CommandContext } from "../context.js";
import { gapCounts, printGaps } from "../gap-summary.js";
import type { CommandRegistration } from "../program.js";
import { EXIT } from "../report-error.js";

interface ImportOptions {
  market?: string;
  json?: boolean;
}

const MARKETS: readonly MarketType[] = ["spot", "futures"];

export const importCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("import")
      .description("import Binance kline dump files (.zip, .csv, .csv.gz) or folders of them into the candle store")
      .argument("<paths...>", "files or folders")
      .option("-m, --market <market>", "spot or futures: which market the files are from (default: from the config)")
      .option("--json", "print the report as JSON instead of a table")
      .action(bind<ImportOptions>(importFiles));
  },
};

async function importFiles(ctx: CommandContext, opts: ImportOptions, paths: string[]): Promise<number> {
  if (opts.market !== undefined && !MARKETS.includes(opts.market as MarketType)) {
    throw new UsageError(`--market ${opts.market} is not valid; use spot or futures`);
  }
  const market = (opts.market as MarketType | undefined) ?? ctx.market;
  for (const p of paths) {
    if (!existsSync(resolve(ctx.io.cwd, p))) throw new UsageError(`${p} does not exist`);
  }
  const store = ctx.candleStore();
  const bar = new ProgressBar({
    stream: ctx.io.stderr,
    total: 0,
    label: "import",
    unit: "files",
    colors: ctx.errColors,
  });
  const report = await importKlineFiles(
    paths.map((p) => resolve(ctx.io.cwd, p)),
    store,
    { exchange: ctx.config.exchange.name, market },
    { logger: ctx.logger, onFile: (f) => bar.increment(1, f.file.split(/[\\/]/).pop() ?? f.file) },
  );
  bar.finish("");
  if (report.files.length === 0) {
    throw new UsageError(`No kline files found in ${paths.join(", ")}`, {
      hint: "Binance dump files are named like BTCUSDT-1h-2024-01.zip, BTCUSDT-1h-2024-01.csv or BTCUSDT-1h.csv.gz.",
    });
  }
  if (opts.json) ctx.json({ exchange: ctx.config.exchange.name, market, ...report });
  else printReport(ctx, report, market);
  for (const f of report.skipped) ctx.io.stderr.write(`${ctx.errColors.yellow("skipped:")} ${f.file}: ${f.error}\n`);
  return report.skipped.length ? EXIT.failure : EXIT.ok;
}

function printReport(ctx: CommandContext, r: ImportReport, market: MarketType): void {
  const c = ctx.colors;
  if (r.series.length) {
    ctx.out(
      renderTable(
        ["symbol", "interval", "files", "candles", "new", "present", "first (UTC)", "last (UTC)", "missing", "halted"],
        r.series.map((s) => {
          const { missing, halted } = gapCounts(s.gaps);
          return [
            s.symbol,
            s.interval,
            formatInt(s.files),
            formatInt(s.rows),
            formatInt(s.imported),
            formatInt(s.alreadyPresent),
            formatUtc(s.first),
            formatUtc(s.last),
            missing ? c.yellow(formatInt(missing)) : "0",
            formatInt(halted),
          ];
        }),
        { colors: c, maxWidth: ctx.io.stdout.columns },
      ),
    );
  }
  ctx.out(
    `\n${ctx.config.exchange.name} ${market}: ${plural(r.files.length - r.skipped.length, "file")} read, ` +
      `${plural(r.imported, "candle")} new, ${formatInt(r.alreadyPresent)} already present` +
      (r.skipped.length ? `, ${c.yellow(plural(r.skipped.length, "file"))} skipped` : "") +
      "\n",
  );
  printGaps(ctx, r.series);
}
