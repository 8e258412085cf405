/**
 * `cma backtest --from … --to …`: stored history replayed through the live system's own pipeline (orchestrator,
 * agents, synthesis, paper desk) under a simulated clock. Writes backtest.json and equity.svg to
 * output_dir/backtests/<time>/ and prints the statistics.
 */
import { join } from "node:path";
import { type BacktestResult, runBacktest } from "../../app/backtest.js";
import { paperBrokerOptionsFromConfig } from "../../app/agent-options.js";
import { reportStamp } from "../../app/orchestrator/index.js";
import { HOUR } from "../../core/interval.js";
import type { TradeMetrics } from "../../learning/metrics.js";
import { writeFileAtomic, writeJsonAtomic } from "../../storage/atomic-write.js";
import type { Colors } from "../../ui/colors.js";
import { renderEquitySvg } from "../../ui/equity-svg.js";
import { formatInt, formatUtc } from "../../ui/format.js";
import { ProgressBar } from "../../ui/progress.js";
import { formatOptional, formatRate, renderBreakdownTable } from "../../ui/breakdown-table.js";
import { parseDateArg, parseIntArg } from "../args.js";
import { storedSymbols } from "../stored-symbols.js";
import type { CommandRegistration } from "../program.js";

interface BacktestOptions {
  from?: string;
  to?: string;
  symbols?: string;
  workers?: string;
  json?: boolean;
}

export const backtestCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("backtest")
      .description("replay stored history through the agents, synthesis and the paper broker; report the statistics")
      .requiredOption("--from <date>", "first day (YYYY-MM-DD or ISO time, UTC)")
      .requiredOption("--to <date>", "last day, inclusive (YYYY-MM-DD or ISO time, UTC)")
      .option("-s, --symbols <list>", "comma-separated symbols (default: every symbol in the local database)")
      .option(
        "--workers <n>",
        "threads that analyse the symbols, this one included (default 1: with the pre-filter one thread was the fastest on 2 cores); the result is the same for any number",
      )
      .option("--json", "print the result as one JSON object")
      .action(
        bind<BacktestOptions>(async (ctx, opts) => {
          const from = parseDateArg("--from", opts.from ?? "");
          const to = parseDateArg("--to", opts.to ?? "", { endOfDay: true }) + 1;
          const store = ctx.candleStore({ readonly: true });
          const workers = opts.workers === undefined ? 1 : parseIntArg("--workers", opts.workers, 1, 256);
          const symbols = storedSymbols(ctx, opts.symbols, "backtest");
          const progress = opts.json
            ? undefined
            : new ProgressBar({
                stream: ctx.io.stderr,
                total: Math.round((to - from) / HOUR),
                label: "backtest",
                unit: "simulated hours",
              });
          const result = await runBacktest({
            store,
            exchange: ctx.config.exchange.name,
            market: ctx.market,
            config: ctx.config,
            symbols,
            from,
            to,
            broker: paperBrokerOptionsFromConfig(ctx.config, ctx.market),
            startingEquity: ctx.config.paper_trading.starting_equity,
            signal: ctx.signal,
            workers,
            onProgress: (t) => progress?.update(Math.round((t - from) / HOUR), formatUtc(t)),
          });
          progress?.finish();
          const dir = join(ctx.config.output_dir, "backtests", reportStamp(Date.now()));
          const title = `${symbols.length} symbols, ${formatUtc(from, { dateOnly: true })} – ${formatUtc(to - 1, { dateOnly: true })}`;
          writeJsonAtomic(join(dir, "backtest.json"), { generatedAt: new Date().toISOString(), ...result });
          writeFileAtomic(
            join(dir, "equity.svg"),
            renderEquitySvg(result.metrics.equityCurve, { title: `Equity: ${title}` }),
          );
          if (opts.json) {
            ctx.json({ folder: dir, ...result });
            return 0;
          }
          ctx.out(renderBacktest(result, ctx.colors, dir));
          return 0;
        }),
      );
  },
};

const pct = formatRate;
const num = formatOptional;

function metricsLines(m: TradeMetrics): string[] {
  const lines = [
    `Trades: ${m.n} (${m.wins} won, ${m.losses} lost, ${m.breakevens} break-even); net P&L ${num(m.totalPnl)} ` +
      `(${num(m.totalReturnPct)}% of the starting equity); max drawdown ${num(m.maxDrawdown.abs)} (${num(m.maxDrawdown.pct)}%)`,
  ];
  if (!m.enough) {
    lines.push(`Win rate, expectancy, profit factor, Sharpe: not enough trades (${m.n} of the ${m.minTrades} needed)`);
    return lines;
  }
  const wr = m.winRate;
  lines.push(
    `Win rate ${pct(wr?.value)} (95% CI ${pct(wr?.low)}–${pct(wr?.high)}, n=${m.n}); expectancy ${num(m.expectancy)} per trade ` +
      `(${num(m.expectancyR)} R); avg planned R:R ${num(m.avgRiskReward)}; profit factor ${num(m.profitFactor)}`,
  );
  lines.push(`Sharpe ${num(m.sharpe)}, Sortino ${num(m.sortino)} (daily returns, annualised × √365)`);
  return lines;
}

export function renderBacktest(r: BacktestResult, c: Colors, dir: string): string {
  const out: string[] = [];
  out.push(c.bold(`Backtest ${formatUtc(r.from)} → ${formatUtc(r.to)} UTC, ${r.symbols.length} symbols`));
  out.push(
    `${formatInt(r.cycles)} analysis cycles, ${formatInt(r.signals.length)} signals, ${formatInt(r.trades.length)} paper trades ` +
      `(${(r.wallMs / 1000).toFixed(1)} s, ${formatInt(r.analysesPerSecond)} symbol analyses/s` +
      `${r.parallel ? `, ${r.parallel.threads} threads` : ""}` +
      `${r.screenedOut > 0 ? `, ${formatInt(r.screenedOut)} left out by the pre-filter as unable to signal` : ""})`,
  );
  // A worker that stopped early only costs time (its symbols were analysed here), but say so.
  for (const f of r.parallel?.failures ?? [])
    out.push(c.yellow(`Note: ${f}; its symbols were analysed on the main thread.`));
  out.push(...metricsLines(r.metrics));
  const rows = (title: string, rs: BacktestResult["perSymbol"]) => {
    out.push("");
    out.push(c.bold(title));
    out.push(renderBreakdownTable(rs, c));
  };
  if (r.perSymbol.length > 0) rows("Per symbol", r.perSymbol);
  if (r.perMonth.length > 0) rows("Per month (by entry)", r.perMonth);
  out.push("");
  out.push(`Written: ${join(dir, "backtest.json")}, ${join(dir, "equity.svg")}`);
  return `${out.join("\n")}\n`;
}
