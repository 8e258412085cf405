/**
 * `cma optimize --from … --to …`: walk-forward optimisation of the strategy's parameters on stored history, through
 * the live pipeline (src/app/optimize/walk-forward.ts), on worker threads. Prints a table of folds (best training
 * parameters, in-sample and out-of-sample expectancy against the current configuration) and the adoption verdict,
 * and writes output_dir/optimizations/<time>/optimization.json.
 */
import { join } from "node:path";
import {
  DEFAULT_PARAM_SPACE,
  type Design,
  type ParamDimension,
  type ParamSpace,
  type ParamValue,
  param,
  QUICK_PARAM_SPACE,
  defaultWorkerCount,
  type OptimizationResult,
  runWalkForward,
  type TradeSummary,
  trialsFor,
  WorkerPool,
  walkForwardFolds,
} from "../../app/optimize/index.js";
import { reportStamp } from "../../app/orchestrator/index.js";
import { UsageError } from "../../core/errors.js";
import { writeJsonAtomic } from "../../storage/atomic-write.js";
import type { Colors } from "../../ui/colors.js";
import { formatUtc } from "../../ui/format.js";
import { ProgressBar } from "../../ui/progress.js";
import { renderTable } from "../../ui/table.js";
import { parseDateArg, parseIntArg } from "../args.js";
import { storedSymbols } from "../stored-symbols.js";
import { candleDbPath } from "../context.js";
import type { CommandRegistration } from "../program.js";

interface OptimizeOptions {
  from?: string;
  to?: string;
  symbols?: string;
  trainDays?: string;
  testDays?: string;
  workers?: string;
  minTrades?: string;
  quick?: boolean;
  param?: string[];
  design?: string;
  json?: boolean;
}

const DATE_HINT = "Dates are UTC days like 2025-01-31 (or ISO times); e.g. --from 2025-01-01 --to 2025-06-30.";

function dateArg(flag: string, raw: string | undefined, endOfDay: boolean): number {
  try {
    return parseDateArg(flag, raw ?? "", { endOfDay });
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message, { hint: DATE_HINT });
    throw e;
  }
}

/** `0.5`, `true`, `null`, else the text itself. */
function parseValue(raw: string): ParamValue {
  const s = raw.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (s === "true" || s === "false") return s === "true";
  if (s === "null") return null;
  return s;
}

/** `--param signal_synthesis.min_confidence=0.5,0.6` → one dimension (keys are checked by the optimiser). */
export function parseParamFlag(raw: string): ParamDimension {
  const eq = raw.indexOf("=");
  const key = eq < 0 ? "" : raw.slice(0, eq).trim();
  const values =
    eq < 0
      ? []
      : raw
          .slice(eq + 1)
          .split(",")
          .map((v) => v.trim())
          .filter((v) => v !== "");
  if (key === "" || values.length === 0) {
    throw new UsageError(`--param ${raw} is not valid; write KEY=V1,V2,… like signal_synthesis.min_confidence=0.5,0.6`);
  }
  return param(key, [...new Set(values)].map(parseValue));
}

function parseDesign(raw: string | undefined): Design {
  if (raw === undefined || raw === "one-at-a-time") return "one-at-a-time";
  if (raw === "grid") return "grid";
  throw new UsageError(`--design ${raw} is not valid; use one-at-a-time or grid`);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export const optimizeCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("optimize")
      .description(
        "walk-forward optimisation of thresholds, stops, targets, weights and RSI settings on stored history",
      )
      .requiredOption("--from <date>", "first day (YYYY-MM-DD or ISO time, UTC)")
      .requiredOption("--to <date>", "last day, inclusive (YYYY-MM-DD or ISO time, UTC)")
      .option("-s, --symbols <list>", "comma-separated symbols (default: every symbol in the local database)")
      .option("--train-days <n>", "training window in days", "60")
      .option("--test-days <n>", "test window in days (also the step between folds)", "30")
      .option("--workers <n>", `worker threads (default: one per core, ${defaultWorkerCount()} here)`)
      .option(
        "--min-trades <n>",
        "trades a trial needs on a training window (default: from learning_agent.min_sample_size)",
      )
      .option("--quick", "a 3-trial space (min_confidence, reward_risk) instead of the default 15 trials")
      .option(
        "--param <key=v1,v2>",
        "a config key and the values to try; repeat for more keys (replaces the default space)",
        collect,
      )
      .option("--design <name>", "one-at-a-time (default: each change on its own) or grid (every combination)")
      .option("--json", "print the result as one JSON object")
      .action(
        bind<OptimizeOptions>(async (ctx, opts) => {
          const from = dateArg("--from", opts.from, false);
          const to = dateArg("--to", opts.to, true) + 1;
          const trainDays = parseIntArg("--train-days", opts.trainDays ?? "60", 1, 3650);
          const testDays = parseIntArg("--test-days", opts.testDays ?? "30", 1, 3650);
          const workers =
            opts.workers === undefined ? defaultWorkerCount() : parseIntArg("--workers", opts.workers, 1, 256);
          const minTrades = opts.minTrades === undefined ? undefined : parseIntArg("--min-trades", opts.minTrades, 1);
          // Checked before any data is read, so a period too short fails at once.
          walkForwardFolds({ from, to, trainDays, testDays });
          if (opts.quick && opts.param) throw new UsageError("Give either --quick or --param, not both.");
          const space: ParamSpace = opts.param
            ? opts.param.map(parseParamFlag)
            : opts.quick
              ? QUICK_PARAM_SPACE
              : DEFAULT_PARAM_SPACE;
          const trials = trialsFor(space, parseDesign(opts.design), ctx.config);

          const symbols = storedSymbols(ctx, opts.symbols, "optimise");

          const pool = new WorkerPool({ dbPath: candleDbPath(ctx.config), workers });
          ctx.onCleanup(() => pool.close());
          const progress = opts.json
            ? undefined
            : new ProgressBar({ stream: ctx.io.stderr, total: 0, label: "optimize", unit: "backtests" });
          const result = await runWalkForward({
            config: ctx.config,
            trials,
            exchange: ctx.config.exchange.name,
            market: ctx.market,
            symbols,
            from,
            to,
            trainDays,
            testDays,
            minTrades,
            startingEquity: ctx.config.paper_trading.starting_equity,
            runner: pool,
            signal: ctx.signal,
            onProgress: (done, total) => {
              progress?.setTotal(total);
              progress?.update(done);
            },
          });
          progress?.finish();
          const dir = join(ctx.config.output_dir, "optimizations", reportStamp(Date.now()));
          writeJsonAtomic(join(dir, "optimization.json"), { generatedAt: new Date().toISOString(), ...result });
          if (opts.json) {
            ctx.json({ folder: dir, ...result });
            return 0;
          }
          ctx.out(renderOptimization(result, ctx.colors, dir));
          return 0;
        }),
      );
  },
};

const day = (t: number) => formatUtc(t, { dateOnly: true });
const span = (a: number, b: number) => `${day(a)} – ${day(b - 1)}`;
const signedR = (v: number | null) => (v === null ? "–" : `${v >= 0 ? "+" : ""}${v.toFixed(2)}`);
const rn = (s: Pick<TradeSummary, "expectancyR" | "n"> | null) =>
  s === null ? "–" : `${signedR(s.expectancyR)} (${s.n})`;

/** The fold table, the out-of-sample totals and the verdict, for people. */
export function renderOptimization(r: OptimizationResult, c: Colors, dir: string): string {
  const out: string[] = [];
  const invalid = r.trials.filter((t) => t.invalid !== null);
  out.push(
    c.bold(
      `Walk-forward optimisation ${span(r.from, r.to)}, ${r.symbols.length} symbols, ${r.trials.length} trials` +
        `${invalid.length ? ` (${invalid.length} invalid)` : ""}, train ${r.trainDays} d / test ${r.testDays} d, ` +
        `${r.folds.length} folds`,
    ),
  );
  out.push(
    `Objective: expectancy (mean R per trade) on the training window, at least ${r.minTrades} trades; ` +
      `${r.backtests} backtests (${r.failures} failed), ${(r.wallMs / 1000).toFixed(1)} s`,
  );
  for (const t of invalid) out.push(c.yellow(`Invalid, not run: #${t.index} ${t.label}: ${t.invalid}`));
  for (const f of r.folds) {
    for (const t of f.trials) if (t.error) out.push(c.red(`Fold ${f.index + 1}, #${t.index} failed: ${t.error}`));
  }
  if (r.uncovered)
    out.push(
      `Not covered by a test window (shorter than ${r.testDays} days): ${span(r.uncovered.from, r.uncovered.to)}`,
    );
  out.push("");
  out.push(
    renderTable(
      ["fold", "train", "test", "best in-sample", "IS R (n)", "current IS R (n)", "OOS R (n)", "current OOS R (n)"],
      r.folds.map((f) => [
        f.index + 1,
        span(f.trainFrom, f.trainTo),
        span(f.testFrom, f.testTo),
        f.chosenLabel,
        rn(f.inSample.chosen),
        rn(f.inSample.baseline),
        rn(f.outOfSample.chosen),
        rn(f.outOfSample.baseline),
      ]),
      { colors: c },
    ),
  );
  out.push("R: mean R multiple per trade; n: trades. IS: training window, OOS: the test window after it.");
  out.push("");
  const oc = r.outOfSample.chosen;
  const ob = r.outOfSample.baseline;
  out.push(
    `Out of sample, all folds: re-optimised ${signedR(oc.expectancyR)} R/trade over ${oc.n} trades (total ${signedR(oc.totalR)} R); ` +
      `current config ${signedR(ob.expectancyR)} R/trade over ${ob.n} trades (total ${signedR(ob.totalR)} R)`,
  );
  out.push(`Latest training window ${span(r.latest.trainFrom, r.latest.trainTo)}: best ${r.latest.chosenLabel}`);
  const a = r.adoption;
  out.push(
    a.adopt
      ? c.green(`Verdict: adopt ${a.candidateLabel ?? ""} — ${a.reason}`)
      : `Verdict: keep the current config — ${a.reason}`,
  );
  out.push("");
  out.push(`Written: ${join(dir, "optimization.json")}`);
  return `${out.join("\n")}\n`;
}
