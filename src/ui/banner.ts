/**
 * The startup banner, filled with real numbers. Pure: data in, text out; colour only through the injected Colors.
 */
import type { Colors } from "./colors.js";
import { formatEvery, formatInt } from "./format.js";

export interface BannerAgent {
  readonly name: string;
  readonly title: string;
  readonly icon: string;
  readonly role: string;
}

export interface PaperSummary {
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  /** Null below the minimum sample: printed as "not enough trades". */
  readonly winRate: number | null;
  readonly avgRiskReward: number | null;
  readonly profitFactor: number | null;
  readonly minTrades: number;
}

export interface BannerInfo {
  readonly version: string;
  readonly exchange: string;
  readonly market: "spot" | "futures";
  /** e.g. "fake exchange on http://127.0.0.1:40123 (bundled real candles)"; null for the real one. */
  readonly endpointNote: string | null;
  readonly weightLimitPerMinute: number;
  readonly agents: readonly BannerAgent[];
  /** Null while paper trading is not running. */
  readonly paper: PaperSummary | null;
  readonly symbols: number;
  readonly quoteAsset: string;
  readonly withZones: number;
  /** Null while the learning agent keeps no knowledge base. */
  readonly knowledgeObservations: number | null;
  readonly reportEveryMs: number | null;
  readonly outputDir: string;
  readonly width?: number;
}

export function renderBanner(b: BannerInfo, c: Colors): string {
  const rule = "=".repeat(b.width ?? 80);
  const market = b.market === "futures" ? "Futures" : "Spot";
  const ex = b.exchange.charAt(0).toUpperCase() + b.exchange.slice(1);
  const lines: string[] = [];
  lines.push(c.bold(rule));
  lines.push(c.bold(`🚀 CRYPTO MARKET AGENTS v${b.version} - ${ex.toUpperCase()} ${market.toUpperCase()}`));
  lines.push(c.bold(rule));
  lines.push(
    `✅ Connected to ${ex} ${market} API${b.endpointNote ? ` (${b.endpointNote})` : ""}; ` +
      `request weight budget ${formatInt(b.weightLimitPerMinute)}/min`,
  );
  const agents = b.agents.filter((a) => a.name !== "market-data" && a.name !== "reporter");
  lines.push(`✅ ${agents.length} agents initialized:`);
  for (const a of agents) {
    lines.push(`   ${a.icon} ${a.title} ${c.dim(`— ${a.role}`)}`);
  }
  lines.push("");
  if (b.paper === null) {
    lines.push(`💾 Paper trading: ${c.dim("off (no learning agent in this run)")}`);
  } else {
    const p = b.paper;
    lines.push(`💾 Loaded ${formatInt(p.trades)} historical paper trades`);
    lines.push("📊 Current Strategy Performance:");
    if (p.winRate === null) {
      lines.push(`   ${c.dim(`not enough trades yet (${p.wins + p.losses} closed of the ${p.minTrades} needed)`)}`);
    } else {
      lines.push(`   Win Rate: ${Math.round(p.winRate * 100)}% (${p.wins}W/${p.losses}L)`);
      lines.push(`   Avg R:R: ${p.avgRiskReward === null ? "–" : `${p.avgRiskReward.toFixed(1)}:1`}`);
      lines.push(`   Profit Factor: ${p.profitFactor === null ? "– (no losing trade)" : p.profitFactor.toFixed(2)}`);
    }
  }
  lines.push("");
  lines.push(`🔍 Monitoring ${formatInt(b.symbols)} ${b.quoteAsset} pairs on ${ex} ${market}`);
  lines.push(`📡 HTF S/R levels loaded for ${formatInt(b.withZones)} assets`);
  lines.push(
    `🧠 Agent knowledge base: ${
      b.knowledgeObservations === null ? c.dim("not started") : `${formatInt(b.knowledgeObservations)} observations`
    }`,
  );
  lines.push("");
  lines.push(
    b.reportEveryMs === null
      ? c.dim("Reports: off")
      : `Reports generated every ${everyWords(b.reportEveryMs)} → ${b.outputDir}`,
  );
  lines.push(c.bold(rule));
  return lines.join("\n");
}

function everyWords(ms: number): string {
  if (ms % 60_000 === 0 && ms < 3_600_000) {
    const m = ms / 60_000;
    return m === 1 ? "minute" : `${m} minutes`;
  }
  if (ms === 86_400_000) return "day";
  return formatEvery(ms);
}
