/**
 * How commands show gaps in candle series: counts per series in tables, then the first few gaps listed.
 */
import type { Gap } from "../market/gaps.js";
import { formatUtc } from "../ui/format.js";
import type { CommandContext } from "./context.js";

export function gapCounts(gaps: readonly Gap[]): { missing: number; halted: number } {
  let missing = 0;
  let halted = 0;
  for (const g of gaps) {
    if (g.kind === "halt") halted += g.missing;
    else missing += g.missing;
  }
  return { missing, halted };
}

const SHOWN = 20;

export function printGaps(
  ctx: CommandContext,
  series: readonly { symbol: string; interval: string; gaps: readonly Gap[] }[],
): void {
  const gaps = series.flatMap((s) => s.gaps.map((g) => ({ s, g })));
  if (!gaps.length) return;
  ctx.out(`\n${ctx.colors.bold("Gaps")} (reported, never filled):\n`);
  for (const { s, g } of gaps.slice(0, SHOWN)) {
    const span = g.from === g.to ? formatUtc(g.from) : `${formatUtc(g.from)} .. ${formatUtc(g.to)}`;
    const what = g.kind === "halt" ? "halted (zero volume)" : "missing";
    ctx.out(`  ${s.symbol} ${s.interval}  ${span}  ${g.missing} ${what}\n`);
  }
  if (gaps.length > SHOWN) ctx.out(`  … and ${gaps.length - SHOWN} more (\`cma doctor\` shows totals per series)\n`);
}
