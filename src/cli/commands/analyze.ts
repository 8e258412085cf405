/**
 * `cma analyze SYMBOL`: everything the agents know about one symbol now (or, with --at, at a past time from the
 * local store): per-timeframe indicators, price action, volume, order flow, volume profile and S/R zones.
 */
import { parseSymbol } from "../args.js";
import { AT_OPTION_HELP, prepareAnalysis } from "../analysis-input.js";
import type { AnyAgent } from "../../agents/agent.js";
import { AGENTS } from "../../agents/registry.js";
import { renderAddedAgents, renderAnalysis } from "../analysis-report.js";
import type { CommandRegistration } from "../program.js";

interface AnalyzeOptions {
  json?: boolean;
  at?: string;
}

export const analyzeCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("analyze")
      .description("analyse one symbol with every agent (syncs the candles it needs into the local store first)")
      .argument("<symbol>", "exchange symbol, e.g. BTCUSDT")
      .option("--json", "print the analysis as one JSON object")
      .option("--at <time>", AT_OPTION_HELP)
      .action(
        bind<AnalyzeOptions>(async (ctx, opts, [rawSymbol]) => {
          const symbol = parseSymbol(rawSymbol ?? "");
          const { analysis, market } = await prepareAnalysis(ctx, symbol, opts.at);
          if (opts.json) {
            ctx.json(analysis);
            return 0;
          }
          ctx.out(
            renderAnalysis(
              analysis,
              { colors: ctx.colors, maxWidth: ctx.io.stdout.columns },
              { market, momentum: ctx.config.momentum },
            ),
          );
          const added = ctx.agents.filter((a) => !(AGENTS as readonly AnyAgent[]).includes(a));
          if (added.length > 0) ctx.out(renderAddedAgents(analysis, added, ctx.colors));
          return 0;
        }),
      );
  },
};
