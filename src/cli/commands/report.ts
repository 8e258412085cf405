/**
 * `cma report`: how the paper trades of a run did — the metrics and the strategy analysis of strategy_analysis.json,
 * computed from the database (the exports are copies of the same numbers).
 */
import { strategyAnalysis, STANDARD_DIMENSIONS } from "../../learning/breakdowns.js";
import { LIVE_RUN, PaperTradeStore } from "../../learning/paper-trade-store.js";
import { tradeContext } from "../../learning/setup-context.js";
import { UsageError } from "../../core/errors.js";
import { formatOptional, formatRate, renderBreakdownTable } from "../../ui/breakdown-table.js";
import type { CommandRegistration } from "../program.js";

interface ReportOptions {
  run: string;
  json?: boolean;
}

const pct = formatRate;
const num = formatOptional;

export const reportCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("report")
      .description(
        "performance of the paper trades: metrics, and win rates by signal type, zone timeframe, volume, RSI, agents",
      )
      .option("--run <name>", 'whose trades: "live" (cma run), "demo", or "backtest:<id>"', LIVE_RUN)
      .option("--json", "print the strategy analysis (as in strategy_analysis.json) as one JSON object")
      .action(
        bind<ReportOptions>(async (ctx, opts) => {
          const store = new PaperTradeStore(ctx.candleStore({ readonly: true }).db);
          const runs = store.runs();
          if (!runs.includes(opts.run)) {
            throw new UsageError(`No paper trades for run "${opts.run}" in ${ctx.config.data_dir}.`, {
              hint: runs.length
                ? `Runs with trades: ${runs.join(", ")} (pick one with --run).`
                : "Paper trades appear once `cma run` has traded a signal.",
            });
          }
          const all = store.all(opts.run);
          const closed = all.filter((t) => t.status === "CLOSED").map(tradeContext);
          const minTrades = ctx.config.learning_agent.min_trades_before_learning;
          const analysis = strategyAnalysis(closed, {
            minTrades,
            startingEquity: ctx.config.paper_trading.starting_equity,
          });
          if (opts.json) {
            ctx.json({ run: opts.run, openTrades: all.length - closed.length, ...analysis });
            return 0;
          }
          const c = ctx.colors;
          const m = analysis.overall;
          const out: string[] = [];
          out.push(
            c.bold(`Paper trading, run "${opts.run}": ${m.n} closed trades, ${all.length - closed.length} open`),
          );
          out.push(
            `${m.wins} won, ${m.losses} lost, ${m.breakevens} break-even; net P&L ${num(m.totalPnl)} ` +
              `(${num(m.totalReturnPct)}%); max drawdown ${num(m.maxDrawdown.pct)}%`,
          );
          if (m.enough && m.winRate) {
            out.push(
              `Win rate ${pct(m.winRate.value)} (95% CI ${pct(m.winRate.low)}–${pct(m.winRate.high)}), expectancy ` +
                `${num(m.expectancyR)} R per trade, profit factor ${num(m.profitFactor)}, Sharpe ${num(m.sharpe)}, ` +
                `Sortino ${num(m.sortino)}`,
            );
          } else {
            out.push(c.dim(`Rates and ratios: not enough trades (${m.n} of the ${minTrades} needed).`));
          }
          for (const d of STANDARD_DIMENSIONS) {
            const rows = analysis.dimensions[d.name];
            if (rows.length === 0) continue;
            out.push("");
            out.push(c.bold(d.label));
            out.push(renderBreakdownTable(rows, c));
          }
          ctx.out(`${out.join("\n")}\n`);
          return 0;
        }),
      );
  },
};
