/**
 * A breakdown (trades grouped by symbol, month, signal type, …) as a table: n, wins, the win rate with its 95 %
 * interval and the expectancy in R — or "not enough trades" where the group is below the minimum sample.
 */
import type { BreakdownRow } from "../learning/breakdowns.js";
import type { Colors } from "./colors.js";
import { formatNumber } from "./format.js";
import { renderTable } from "./table.js";

export const formatRate = (v: number | null | undefined): string =>
  v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`;

export const formatOptional = (v: number | null, decimals = 2): string =>
  v === null ? "–" : formatNumber(v, decimals);

export function renderBreakdownTable(rows: readonly BreakdownRow[], colors: Colors): string {
  return renderTable(
    ["", "trades", "wins", "win rate (95% CI)", "expectancy R"],
    rows.map((r) => [
      r.key,
      r.n,
      r.wins,
      r.enough ? `${formatRate(r.winRate)} (${formatRate(r.low)}–${formatRate(r.high)})` : "not enough trades",
      r.enough ? formatOptional(r.expectancyR) : "–",
    ]),
    { colors },
  );
}
