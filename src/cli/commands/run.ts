/**
 * `cma run`: the live system. Chooses the universe, syncs history, streams klines, analyses on every candle close,
 * prints a card for each new signal and writes reports every report_interval. Ctrl-C or SIGTERM stops it cleanly:
 * no new work, the running cycle stops at the next symbol, streams close, a last report is written, exit 0.
 */
import { AutoOptimizer, defaultWorkerCount, WorkerPool } from "../../app/optimize/index.js";
import type { OrchestratorEvent } from "../../app/orchestrator/index.js";
import { paperSummary } from "../../app/paper-trading.js";
import { composeSystem } from "../../app/system.js";
import { LearningStateStore } from "../../learning/learning-state.js";
import { LIVE_RUN } from "../../learning/paper-trade-store.js";
import type { Signal } from "../../signals/signal.js";
import { renderBanner } from "../../ui/banner.js";
import type { Colors } from "../../ui/colors.js";
import { formatInt, formatPrice, formatUtc } from "../../ui/format.js";
import { renderSignalCard } from "../../ui/signal-card.js";
import { liveSetup } from "../live-setup.js";
import { cardWidth } from "../card-width.js";
import { type CommandContext, candleDbPath } from "../context.js";
import type { CommandRegistration } from "../program.js";
import { programVersion } from "../version.js";

interface RunOptions {
  symbols?: string;
  json?: boolean;
}

export const runCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("run")
      .description("run the live system: agents on every candle close, signal cards, reports (Ctrl-C stops)")
      .option(
        "-s, --symbols <list>",
        "comma-separated symbols, e.g. BTCUSDT,ETHUSDT (default: the configured universe)",
      )
      .action(
        bind<RunOptions>(async (ctx, opts) => {
          const { symbols, exchange, store, clock } = await liveSetup(ctx, opts.symbols);
          const c = ctx.colors;
          let cards = 0;
          const showCard = (s: Signal) => {
            cards++;
            if (opts.json) {
              ctx.out(`${JSON.stringify(s)}\n`);
              return;
            }
            ctx.out(`${renderSignalCard(s, { index: cards, colors: c, ...cardWidth(ctx.io.stdout.columns) })}\n`);
          };
          const la = ctx.config.learning_agent;
          const {
            orchestrator,
            savedPaper: paper,
            learning,
          } = composeSystem({
            mode: "live",
            agents: ctx.agents,
            exchange,
            store,
            clock,
            config: ctx.config,
            marketData: "sync-and-stream",
            symbols,
            paper:
              la.enabled && la.paper_trading
                ? {
                    kind: "saved",
                    db: store.db,
                    run: LIVE_RUN,
                    onOpen: (t) =>
                      ctx.note(
                        c.cyan(`📝 paper trade opened: ${t.symbol} ${t.direction} @ ${formatPrice(t.entryPrice)}`),
                      ),
                    onClose: (t) =>
                      ctx.note(
                        `${t.outcome === "WIN" ? c.green("✅") : t.outcome === "LOSS" ? c.red("❌") : "➖"} paper trade closed: ` +
                          `${t.symbol} ${t.direction} ${t.outcome} ${t.rMultiple >= 0 ? "+" : ""}${t.rMultiple.toFixed(2)}R`,
                      ),
                  }
                : undefined,
            learning: { exportDir: ctx.config.data_dir },
            // Re-tuning runs its backtests on worker threads (one core left for the live system), each reading the
            // candle database on its own read-only connection.
            optimizer: () => {
              const optimizer = new AutoOptimizer({
                store,
                exchange: exchange.id,
                market: exchange.market,
                runner: new WorkerPool({
                  dbPath: candleDbPath(ctx.config),
                  workers: Math.max(1, defaultWorkerCount() - 1),
                }),
                state: new LearningStateStore(store.db),
                run: LIVE_RUN,
              });
              ctx.onCleanup(() => optimizer.close());
              return optimizer;
            },
            reports: true,
            sleep: ctx.io.time?.sleep,
            logger: ctx.logger,
            onSignal: showCard,
            onEvent: (e) => describeEvent(ctx, c, e),
          });
          if (paper && paper.resumed.length > 0) {
            ctx.note(c.dim(`Resuming ${paper.resumed.length} open paper trade(s) from the last run.`));
          }
          ctx.note(c.dim("Starting: choosing the universe and syncing the history it needs (only what is missing)…"));
          try {
            const info = await orchestrator.start(ctx.signal);
            if (!ctx.signal.aborted && opts.json) {
              for (const { signal } of info.firstSignals) showCard(signal);
              await orchestrator.runLive(ctx.signal);
            } else if (!ctx.signal.aborted) {
              const w = exchange.weightUsage();
              ctx.out(
                `${renderBanner(
                  {
                    version: programVersion(),
                    exchange: info.exchange,
                    market: info.market === "futures" ? "futures" : "spot",
                    endpointNote: ctx.config.exchange.rest_url,
                    weightLimitPerMinute: w.limit,
                    agents: info.agents,
                    paper: paper ? paperSummary(paper.store, paper.run, ctx.config) : null,
                    symbols: info.symbols.length,
                    quoteAsset: ctx.config.universe.quote_asset,
                    withZones: info.withZones,
                    knowledgeObservations: learning?.lastUpdate?.knowledgeObservations ?? null,
                    reportEveryMs: orchestrator.reportMs,
                    outputDir: ctx.config.output_dir,
                  },
                  c,
                )}\n`,
              );
              for (const { signal } of info.firstSignals) showCard(signal);
              await orchestrator.runLive(ctx.signal);
            }
          } finally {
            await orchestrator.stop();
          }
          // Stopped by a signal: one last report with every agent stopped, then a clean exit.
          orchestrator.report();
          ctx.note(c.dim(`Stopped. ${cards} signal(s) shown; reports in ${ctx.config.output_dir}.`));
          ctx.stoppedGracefully = true;
          return 0;
        }),
      );
  },
};

function describeEvent(ctx: CommandContext, c: Colors, e: OrchestratorEvent): void {
  switch (e.kind) {
    case "warmup":
      ctx.note(
        c.dim(
          `History: ${formatInt(e.pass.fetched)} candles fetched in ${formatInt(e.pass.requests)} requests ` +
            `(weight ${formatInt(e.pass.weight)}), ${formatInt(e.pass.derived)} derived` +
            (e.pass.failures.length ? `; ${e.pass.failures.length} symbol(s) failed` : ""),
        ),
      );
      return;
    case "cycle": {
      const p = e.pass;
      const failed = p.outcomes.filter((o) => o.error !== null).length;
      ctx.note(
        c.dim(
          `${formatUtc(p.time)} UTC · ${p.analyses.size} analysed${failed ? ` · ${failed} failed` : ""} · ` +
            `${p.signals.length} signal(s) · weight ${e.feed.weight} · ${(e.durationMs / 1000).toFixed(1)} s`,
        ),
      );
      return;
    }
    case "stream":
      if (e.status.kind === "disconnected")
        ctx.note(c.yellow(`stream disconnected (${e.status.reason}); reconnecting`));
      else if (e.status.kind === "error") ctx.note(c.yellow(`stream error: ${e.status.message}`));
      return;
    case "report":
      if (e.files === null) ctx.note(c.yellow("the report could not be written (see the log)"));
      return;
    case "universe":
      return;
  }
}
