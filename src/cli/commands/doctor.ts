/**
 * `cma doctor`: what cma will use and what it has: every setting with where it came from, the data folder and the
 * candle series stored there. Changes nothing and contacts no exchange.
 */
import { existsSync } from "node:fs";
import { intervalMs } from "../../core/interval.js";
import { formatInt, formatUtc } from "../../ui/format.js";
import { renderTable } from "../../ui/table.js";
import { candleDbPath } from "../context.js";
import { gapCounts } from "../gap-summary.js";
import type { CommandRegistration } from "../program.js";

interface DoctorOptions {
  json?: boolean;
}

function show(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.join(", ")}]`;
  return String(v);
}

export const doctorCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("doctor")
      .description("show the resolved configuration, the data folder and the stored candle series")
      .option("--json", "print JSON instead of tables")
      .action(
        bind<DoctorOptions>(async (ctx, opts) => {
          const { config, entries, file } = ctx.loaded;
          const dbFile = candleDbPath(config);
          const hasDb = existsSync(dbFile);
          const series = hasDb
            ? ctx
                .candleStore({ readonly: true })
                .series()
                .map((s) => ({ ...s, gaps: ctx.candleStore({ readonly: true }).gaps(s) }))
            : [];
          if (opts.json) {
            ctx.json({
              configFile: file ?? null,
              settings: entries,
              dataDir: config.data_dir,
              database: hasDb ? dbFile : null,
              series: series.map((s) => ({
                exchange: s.exchange,
                market: s.market,
                symbol: s.symbol,
                interval: s.interval,
                first: s.first,
                last: s.last,
                count: s.count,
                ...gapCounts(s.gaps),
              })),
            });
            return 0;
          }
          const c = ctx.colors;
          ctx.out(`${c.bold("Configuration")} ${c.dim(file ? `(file ${file})` : "(no config file; defaults)")}\n`);
          ctx.out(
            renderTable(
              [{ header: "key" }, { header: "value", align: "left" }, { header: "from" }],
              entries.map((e) => [e.key, show(e.value), e.origin === "default" ? c.dim(e.origin) : e.origin]),
              { colors: c, maxWidth: ctx.io.stdout.columns },
            ),
          );
          ctx.out(`\n${c.bold("Data folder")} ${config.data_dir}\n`);
          if (!hasDb) {
            ctx.out(`no candle database yet (${dbFile}); \`cma download\` or \`cma import\` creates it\n`);
            return 0;
          }
          ctx.out(`database ${dbFile}\n\n`);
          if (series.length === 0) {
            ctx.out("no candles stored yet\n");
            return 0;
          }
          ctx.out(
            renderTable(
              ["exchange", "market", "symbol", "interval", "first (UTC)", "last (UTC)", "candles", "missing", "halted"],
              series.map((s) => {
                const { missing, halted } = gapCounts(s.gaps);
                const daily = intervalMs(s.interval) >= 86_400_000;
                return [
                  s.exchange,
                  s.market,
                  s.symbol,
                  s.interval,
                  formatUtc(s.first, { dateOnly: daily }),
                  formatUtc(s.last, { dateOnly: daily }),
                  formatInt(s.count),
                  missing ? c.yellow(formatInt(missing)) : "0",
                  halted ? formatInt(halted) : "0",
                ];
              }),
              { colors: c, maxWidth: ctx.io.stdout.columns },
            ),
          );
          return 0;
        }),
      );
  },
};
