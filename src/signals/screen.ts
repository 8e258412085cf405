/**
 * The exact pre-filter: from an analysis's cheap part (screenSymbol), the most confidence synthesis could give it,
 * so that an analysis that cannot reach min_confidence is not made at all. Nearly every analysis of a backtest
 * emits nothing, and most of them are known to emit nothing before the S/R touches, the volume profile and order
 * flow are worked out.
 *
 * The ceiling follows synthesis's rules (synthesis.ts) at their bounds, per direction (LONG +1, SHORT −1):
 * - momentum (rule 1) is exact: its screen (momentumScreen) finds what synthesis reads of it as the agent does, and
 *   its items are summed as synthesis sums them;
 * - S/R: at most weights.sr (a zone's score is clamped to 100; an opposing zone only lowers it);
 * - price action: the strongest possible aligned breakout (priceActionScreen: against every band a zone could have),
 *   valued and faded as rule 1 values it, at most weights.price_action; an opposing breakout only lowers it;
 * - volume (rule 4) is exact and counted whether or not the score is positive;
 * - learning (rule 6): the learning agent's ceiling for that direction (InsightCeiling), adjust added, then the
 *   multiplier applied (to a non-negative sum; a negative one cannot rise above 0 by any multiplier).
 * The sums run in another order than synthesis's, so the ceiling is raised by a relative 1e-9 before it is compared:
 * far above any rounding error, far below any difference a threshold means.
 */
import type { MomentumScreen } from "../agents/momentum.js";
import type { PriceActionScreen } from "../agents/price-action.js";
import type { SymbolScreen } from "../agents/symbol-analysis.js";
import type { VolumeSpikeOutput } from "../agents/volume-spike.js";
import { breakoutValue, momentumItems } from "./evidence-score.js";
import type { InsightCeiling } from "./learning-insight.js";
import type { Direction } from "./signal.js";
import { resolveSynthesisOptions, type SynthesisOptions, type SynthesisOptionsInput } from "./synthesis-options.js";
import { memoByObject } from "../core/memo-by-object.js";

/** The agents whose screens the ceiling reads (their registry names). */
const PRICE_ACTION = "price-action";
const MOMENTUM = "momentum";

const resolvedFor = memoByObject(resolveSynthesisOptions);

/**
 * The most evidence score (rule 5, before learning) synthesis could give this analysis in each direction: the part
 * of the ceiling that depends on the analysis. What the learning agent could add is applied by withInsight.
 */
export function evidenceCeilings(screen: SymbolScreen, options: SynthesisOptionsInput): EvidenceCeilings {
  const o = resolvedFor(options);
  const w = o.weights;
  const reach = w.price_action + w.momentum + w.volume + w.sr;
  const momentum = screen.screens.get(MOMENTUM) as MomentumScreen | undefined;
  const volume = screen.outputs.volume as VolumeSpikeOutput["volume"] | undefined;
  const pa = screen.screens.get(PRICE_ACTION) as PriceActionScreen | undefined;
  if (momentum === undefined || volume === undefined || pa === undefined) {
    // Without them there is nothing to bound by: the analysis is made.
    return { LONG: Number.POSITIVE_INFINITY, SHORT: Number.POSITIVE_INFINITY };
  }
  let mom = 0;
  for (const i of momentumItems({ momentum }, o)) mom += i.value;
  const vol = w.volume * (Math.min(10, Math.max(0, volume.volumeScore)) / 10);
  const ceiling = (direction: Direction, s: 1 | -1) => {
    const directional = s * mom + w.sr + priceActionCeiling(pa, direction, o);
    return reach > 0 ? (directional + vol) / reach : 0;
  };
  return { LONG: ceiling("LONG", 1), SHORT: ceiling("SHORT", -1) };
}

/** Rule 6 at the insight's ceiling: the most confidence an evidence score of at most `evidence` can become. */
export function withInsight(evidence: number, insight: InsightCeiling, options: SynthesisOptionsInput): number {
  const w = resolvedFor(options).weights;
  const adjusted = evidence + Math.min(w.learning, Math.max(-w.learning, insight.adjust));
  return adjusted > 0 ? adjusted * Math.max(0, insight.multiplier) : 0;
}

/** The most confidence synthesis could give this analysis in `direction` (before the slack; module comment). */
export function confidenceCeiling(
  screen: SymbolScreen,
  direction: Direction,
  options: SynthesisOptionsInput,
  insight: InsightCeiling,
): number {
  return withInsight(evidenceCeilings(screen, options)[direction], insight, options);
}

/** Rule 1's price-action value of the strongest aligned breakout priceActionScreen allows, × its weight. */
function priceActionCeiling(pa: PriceActionScreen, direction: Direction, o: SynthesisOptions): number {
  const side = direction === "LONG" ? "up" : "down";
  let best = 0;
  const now = pa.strongest(0)[side];
  if (now >= 0) best = breakoutValue(now);
  const horizon = Math.min(o.breakout_max_bars, pa.recentBars - 1);
  for (let ago = 1; ago <= horizon; ago++) {
    const st = pa.strongest(ago)[side];
    if (st >= 0) best = Math.max(best, breakoutValue(st) * (1 - ago / (o.breakout_max_bars + 1)));
  }
  return o.weights.price_action * Math.min(1, best);
}

/** The evidence ceilings of one analysis, per direction: all a worker thread sends of an analysis it screened. */
export interface EvidenceCeilings {
  readonly LONG: number;
  readonly SHORT: number;
}

/**
 * True when synthesis cannot emit a signal for the analysis these are the evidence ceilings of, whatever the rest of
 * it says, given the most the learning agent could add per direction. Exact: a screened-out analysis would have
 * given no signal (test/app/pipeline-digest.test.ts replays the bundled history with and without the pre-filter).
 */
export function cannotReach(
  ceilings: EvidenceCeilings,
  options: SynthesisOptionsInput,
  insight: (direction: Direction) => InsightCeiling,
): boolean {
  const o = resolvedFor(options);
  if (!(o.min_confidence > 0)) return false;
  for (const d of ["LONG", "SHORT"] as const) {
    const c = withInsight(ceilings[d], insight(d), options);
    if (!(c * (1 + 1e-9) + 1e-12 < o.min_confidence)) return false;
  }
  return true;
}

/** cannotReach for a screen. */
export function screenedOut(
  screen: SymbolScreen,
  options: SynthesisOptionsInput,
  insight: (direction: Direction) => InsightCeiling,
): boolean {
  return cannotReach(evidenceCeilings(screen, options), options, insight);
}
