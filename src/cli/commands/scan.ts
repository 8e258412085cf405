/**
 * `cma scan --once`: one full cycle of the live system — universe, market data (only what is missing), every agent,
 * signal synthesis — then the signal cards (or one JSON object) and exit. No streams, no reports, no paper trades.
 */
import { composeSystem } from "../../app/system.js";
import type { Signal } from "../../signals/signal.js";
import { formatInt, formatUtc } from "../../ui/format.js";
import { renderSignalCard } from "../../ui/signal-card.js";
import { cardWidth } from "../card-width.js";
import { liveSetup } from "../live-setup.js";
import type { CommandRegistration } from "../program.js";

interface ScanOptions {
  once?: boolean;
  json?: boolean;
  symbols?: string;
}

/** What `cma scan --once --json` prints. */
export interface ScanResult {
  readonly time: string;
  readonly exchange: string;
  readonly market: string;
  readonly universe: readonly string[];
  /** Request weight this scan spent. */
  readonly weightUsed: number;
  readonly signals: readonly Signal[];
  /** Symbols with a direction but no signal, and why (below min_confidence, stop too wide, cooldown, …). */
  readonly candidates: readonly { symbol: string; direction: string; confidence: number; reason: string }[];
  /** Symbols that could not be analysed, and why. */
  readonly failures: readonly { symbol: string; error: string }[];
}

export const scanCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("scan")
      .description("run one full analysis cycle over the universe and print the signals as cards")
      .option("--once", "one cycle, then exit (the only mode; `cma run` keeps going)")
      .option("--json", "print one JSON object { time, exchange, market, universe, weightUsed, signals, … }")
      .option(
        "-s, --symbols <list>",
        "comma-separated symbols, e.g. BTCUSDT,ETHUSDT (default: the configured universe)",
      )
      .action(
        bind<ScanOptions>(async (ctx, opts) => {
          const { symbols, exchange, store, clock } = await liveSetup(ctx, opts.symbols);
          const { orchestrator } = composeSystem({
            mode: "live",
            agents: ctx.agents,
            exchange,
            store,
            clock,
            config: ctx.config,
            marketData: "sync",
            symbols,
            reports: false,
            logger: ctx.logger,
          });
          const weightBefore = exchange.weightUsage().spent;
          const info = await orchestrator.start(ctx.signal);
          await orchestrator.stop();
          if (ctx.signal.aborted) return 130;
          const pass = orchestrator.lastPass;
          const signals = info.firstSignals.map((s) => s.signal);
          const result: ScanResult = {
            time: new Date(pass?.time ?? clock.now()).toISOString(),
            exchange: info.exchange,
            market: info.market,
            universe: info.symbols,
            weightUsed: exchange.weightUsage().spent - weightBefore,
            signals,
            candidates: (pass?.outcomes ?? [])
              .filter((o) => o.signal === null && o.direction !== null && o.reason !== null)
              .map((o) => ({
                symbol: o.symbol,
                direction: o.direction as string,
                confidence: o.confidence,
                reason: o.reason as string,
              })),
            failures: [
              ...info.warmup.failures,
              ...(pass?.outcomes ?? [])
                .filter((o) => o.error !== null)
                .map((o) => ({ symbol: o.symbol, error: o.error as string })),
            ],
          };
          if (opts.json) {
            ctx.json(result);
            return 0;
          }
          const c = ctx.colors;
          ctx.out(
            `${c.bold(`Scan of ${formatInt(info.symbols.length)} ${info.exchange} ${info.market} symbols`)} at ` +
              `${formatUtc(Date.parse(result.time))} UTC: ${signals.length} signal(s), ` +
              `weight ${formatInt(result.weightUsed)}\n`,
          );
          signals.forEach((s, i) => {
            ctx.out(`${renderSignalCard(s, { index: i + 1, colors: c, ...cardWidth(ctx.io.stdout.columns) })}\n`);
          });
          if (signals.length === 0) {
            const best = [...result.candidates].sort((a, b) => b.confidence - a.confidence).slice(0, 5);
            ctx.out(c.dim("No setup reached min_confidence.") + "\n");
            for (const b of best) {
              ctx.out(c.dim(`  ${b.symbol} ${b.direction} ${Math.round(b.confidence * 100)}%: ${b.reason}`) + "\n");
            }
          }
          for (const f of result.failures.slice(0, 10)) ctx.note(c.yellow(`⚠️  ${f.symbol}: ${f.error}`));
          if (result.failures.length > 10) ctx.note(c.yellow(`⚠️  … and ${result.failures.length - 10} more failures`));
          return 0;
        }),
      );
  },
};
