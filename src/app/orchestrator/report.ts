/**
 * The system report written every `report_interval`: what is watched, what each agent is doing, the signals since
 * the last report and the request weight used. Three files in output_dir, each replaced atomically (temp file +
 * rename), so a reader — or a shutdown in the middle of writing — never sees half a report:
 * - `reports/report-<UTC time>.json`: this report, kept;
 * - `latest_report.json`: the same, always the newest;
 * - `latest_report.txt`: a human-readable summary of it.
 */
import { join } from "node:path";
import type { Signal } from "../../signals/signal.js";
import { writeFileAtomic, writeJsonAtomic } from "../../storage/atomic-write.js";
import { formatDuration, formatEvery, formatInt, formatPrice, formatUtc } from "../../ui/format.js";
import { renderTable } from "../../ui/table.js";
import type { AgentStatus } from "./agent-status.js";
import type { OptimizationRecord } from "./optimization.js";

export interface SystemReport {
  readonly kind: "cma-report";
  readonly version: 1;
  /** ISO time of the report (the system clock: exchange time live, simulated time in a replay). */
  readonly time: string;
  readonly mode: "live" | "replay";
  readonly exchange: string;
  readonly market: string;
  readonly startedAt: string;
  readonly universe: { readonly count: number; readonly symbols: readonly string[] };
  readonly weightUsed: {
    /** Weight spent since the system started, and in how many requests. */
    readonly total: number;
    readonly requests: number;
    /** Used in the exchange's current one-minute window, and the budget's limit for it. */
    readonly lastMinute: number;
    readonly limitPerMinute: number;
  };
  readonly cycles: {
    readonly count: number;
    readonly last: {
      readonly time: string;
      readonly durationMs: number;
      readonly analysed: number;
      readonly failed: number;
      readonly signals: number;
    } | null;
  };
  readonly agents: readonly AgentStatus[];
  /** Signals emitted since the previous report, oldest first. */
  readonly signals: readonly Signal[];
  readonly signalsTotal: number;
  /** Symbols whose last analysis failed, with why. */
  readonly failures: readonly { readonly symbol: string; readonly error: string }[];
  /** Paper trading: null while the learning agent is not running. */
  readonly paperTrading: PaperReport | null;
  /** The learning agent's last update (metrics, knowledge, hypotheses, files written); null when off. */
  readonly learning: LearningReport | null;
  /** The last auto_optimize attempts (adopted, kept, skipped, failed, with reasons); null when off. */
  readonly optimizations: readonly OptimizationRecord[] | null;
}

export interface PaperReport {
  readonly open: readonly {
    readonly tradeId: string;
    readonly symbol: string;
    readonly direction: string;
    readonly entryPrice: number;
    readonly stopLoss: number;
    readonly targetsHit: number;
    readonly entryTime: string;
  }[];
  readonly pendingEntries: number;
  readonly closedThisRun: number;
  readonly wins: number;
  readonly losses: number;
  readonly breakevens: number;
  readonly netPnl: number;
  readonly skippedSignals: number;
}

export interface LearningReport {
  readonly time: string;
  readonly closedTrades: number;
  readonly enough: boolean;
  readonly winRate: { readonly value: number; readonly low: number; readonly high: number } | null;
  readonly expectancyR: number | null;
  readonly profitFactor: number | null;
  readonly maxDrawdownPct: number;
  readonly knowledgeObservations: number;
  readonly hypotheses: { readonly testing: number; readonly confirmed: number; readonly rejected: number };
  readonly exports: readonly string[];
}

export interface WrittenReport {
  readonly file: string;
  readonly latest: string;
  readonly text: string;
}

/** `2026-01-20T10:00:00.000Z` → `2026-01-20T10-00-00Z`: sortable and valid on every file system. */
export function reportStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll(":", "-");
}

export function writeReport(outputDir: string, report: SystemReport): WrittenReport {
  const file = join(outputDir, "reports", `report-${reportStamp(Date.parse(report.time))}.json`);
  const latest = join(outputDir, "latest_report.json");
  const text = join(outputDir, "latest_report.txt");
  writeJsonAtomic(file, report);
  writeJsonAtomic(latest, report);
  writeFileAtomic(text, renderReportText(report));
  return { file, latest, text };
}

/** The plain-text summary (no colours: it is a file). */
export function renderReportText(r: SystemReport): string {
  const lines: string[] = [];
  const t = Date.parse(r.time);
  lines.push(`crypto-market-agents report — ${formatUtc(t, { seconds: true })} UTC (${r.mode})`);
  lines.push(
    `${r.exchange} ${r.market} · ${r.universe.count} symbols · running since ${formatUtc(Date.parse(r.startedAt))} UTC ` +
      `(${formatDuration(t - Date.parse(r.startedAt))})`,
  );
  const w = r.weightUsed;
  lines.push(
    `Request weight: ${formatInt(w.total)} in ${formatInt(w.requests)} requests since start; ` +
      `${formatInt(w.lastMinute)} of ${formatInt(w.limitPerMinute)} in the current minute`,
  );
  if (r.cycles.last) {
    const l = r.cycles.last;
    lines.push(
      `Analysis cycles: ${r.cycles.count}; last at ${formatUtc(Date.parse(l.time))} UTC: ${l.analysed} analysed, ` +
        `${l.failed} failed, ${l.signals} signal(s), ${l.durationMs.toFixed(0)} ms`,
    );
  }
  lines.push("");
  lines.push("Agents");
  lines.push(
    renderTable(
      ["agent", "every", "state", "last update (UTC)", "runs", "symbols", "no result", "signals", "errors"],
      r.agents.map((a) => [
        a.name,
        formatEvery(a.everyMs),
        a.state,
        a.lastUpdate === null ? "–" : formatUtc(a.lastUpdate),
        a.runs,
        a.symbols,
        a.unavailable,
        a.signals,
        a.errors,
      ]),
    ),
  );
  const errs = r.agents.filter((a) => a.lastError);
  for (const a of errs) {
    const e = a.lastError!;
    lines.push(`  ${a.name} last error at ${formatUtc(e.time)} UTC${e.symbol ? ` (${e.symbol})` : ""}: ${e.message}`);
  }
  lines.push("");
  lines.push(`Signals since the last report: ${r.signals.length} (total ${r.signalsTotal})`);
  if (r.signals.length > 0) {
    lines.push(
      renderTable(
        ["time (UTC)", "symbol", "side", "entry", "stop", "T1", "T2", "T3", "R:R", "confidence"],
        r.signals.map((s) => [
          formatUtc(s.time),
          s.symbol,
          s.direction,
          formatPrice(s.entry),
          formatPrice(s.stop),
          formatPrice(s.targets[0]),
          formatPrice(s.targets[1]),
          formatPrice(s.targets[2]),
          `1:${s.riskReward.toFixed(1)}`,
          `${Math.round(s.confidence * 100)}%`,
        ]),
      ),
    );
  }
  if (r.paperTrading) {
    const p = r.paperTrading;
    lines.push("");
    lines.push(
      `Paper trading: ${p.open.length} open, ${p.pendingEntries} waiting for the next price; this run closed ` +
        `${p.closedThisRun} (${p.wins} won, ${p.losses} lost, ${p.breakevens} break-even), net ${p.netPnl.toFixed(2)}`,
    );
    for (const t of p.open) {
      lines.push(
        `  open: ${t.symbol} ${t.direction} @ ${formatPrice(t.entryPrice)}, stop ${formatPrice(t.stopLoss)}, targets hit ${t.targetsHit}`,
      );
    }
  }
  if (r.learning) {
    const l = r.learning;
    const wr = l.winRate;
    lines.push(
      `Learning: ${l.closedTrades} closed trades; ` +
        (l.enough && wr
          ? `win rate ${(wr.value * 100).toFixed(0)}% (95% CI ${(wr.low * 100).toFixed(0)}–${(wr.high * 100).toFixed(0)}%), ` +
            `expectancy ${l.expectancyR?.toFixed(2) ?? "–"} R`
          : "not enough trades for statistics yet") +
        `; ${l.knowledgeObservations} knowledge observations; hypotheses ${l.hypotheses.testing} testing, ` +
        `${l.hypotheses.confirmed} confirmed, ${l.hypotheses.rejected} rejected`,
    );
  }
  const lastOpt = r.optimizations?.at(-1);
  if (lastOpt) {
    lines.push(`Auto-optimisation ${formatUtc(Date.parse(lastOpt.time))} UTC: ${lastOpt.status} — ${lastOpt.reason}`);
  }
  if (r.failures.length > 0) {
    lines.push("");
    lines.push(`Symbols not analysed in the last cycle: ${r.failures.length}`);
    for (const f of r.failures.slice(0, 20)) lines.push(`  ${f.symbol}: ${f.error}`);
    if (r.failures.length > 20) lines.push(`  … and ${r.failures.length - 20} more (see the JSON report)`);
  }
  lines.push("");
  return lines.join("\n");
}
