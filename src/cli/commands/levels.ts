/**
 * `cma levels SYMBOL`: the higher-timeframe support/resistance zones, strongest first — the same zones as
 * `cma analyze`, with the touches per timeframe and the pivots behind each one in --json.
 */
import { supportResistanceDetail } from "../../app/analysis-context.js";
import { parseIntArg, parseSymbol } from "../args.js";
import { AT_OPTION_HELP, prepareAnalysis } from "../analysis-input.js";
import { renderLevels } from "../analysis-report.js";
import type { CommandRegistration } from "../program.js";

interface LevelsOptions {
  json?: boolean;
  limit?: string;
  at?: string;
}

export const levelsCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("levels")
      .description("show the support/resistance zones of a symbol, strongest first")
      .argument("<symbol>", "exchange symbol, e.g. BTCUSDT")
      .option("-n, --limit <n>", "show only the strongest n zones, 1 to 1000 (default: all)")
      .option("--json", "print the zones as JSON")
      .option("--at <time>", AT_OPTION_HELP)
      .action(
        bind<LevelsOptions>(async (ctx, opts, [rawSymbol]) => {
          const symbol = parseSymbol(rawSymbol ?? "");
          const limit = opts.limit === undefined ? undefined : parseIntArg("--limit", opts.limit, 1, 1000);
          const { analysis, market, context } = await prepareAnalysis(ctx, symbol, opts.at);
          const sr = supportResistanceDetail(context, symbol, analysis.price);
          if (opts.json) {
            ctx.json({
              symbol,
              time: sr.asOf,
              price: analysis.price,
              priceSource: analysis.priceSource,
              tolerance: sr.tolerance,
              zones: limit === undefined ? sr.zones : sr.zones.slice(0, limit),
              nearestSupport: sr.nearestSupport,
              nearestResistance: sr.nearestResistance,
              timeframesUsed: sr.timeframesUsed,
              timeframesMissing: sr.timeframesMissing,
              coverage: sr.coverage,
            });
            return 0;
          }
          ctx.out(
            renderLevels(
              symbol,
              sr,
              analysis.price,
              { colors: ctx.colors, maxWidth: ctx.io.stdout.columns },
              { market, limit },
            ),
          );
          return 0;
        }),
      );
  },
};
