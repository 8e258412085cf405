/**
 * The learning cycle made rigorous: an observation ("1d-zone trades win more") becomes a hypothesis ("taking only
 * 1d-zone trades beats the trades that filter skips"), which is then tested on trades that happen AFTER it was
 * made, and only a test that survives a multiple-comparison correction confirms it. Pure; the caller passes the
 * trades and the time (`now`, from the injected clock) and stores the hypotheses it gets back.
 *
 * - Observation: a breakdown row (STANDARD_DIMENSIONS, ≥ minTrades trades) whose 95 % Wilson interval lies wholly
 *   above the overall win rate → variant "only <key>", wholly below → "exclude <key>". A variant equivalent to one
 *   that exists already (same trades accepted, whatever its status) is not proposed again: re-testing a rejected
 *   idea until it passes by luck is exactly the fishing this module is there to prevent.
 * - Variant: a filter on the setup; `variantAccepts` says whether it would have taken a trade. (Weightings are not
 *   modelled: a filter is the part of the strategy a paper trade can shadow exactly.)
 * - Shadow trades: every baseline trade that ENTERED after the hypothesis was created and closed by `now`. The
 *   variant's arm is the subset its filter accepts (same signals, same fills); the other arm is the trades it rejects.
 *   Trades from before the creation are never used: they are the ones the idea came from.
 * - Test: one-sided pooled two-proportion z-test, with Yates' continuity correction (|p₁ − p₂| shrunk by
 *   ½(1/n₁ + 1/n₂) before dividing by the pooled SE), of the accepted arm's win rate against the REJECTED arm's.
 *   The correction accounts for win counts being whole numbers: without it the normal approximation is slightly
 *   anti-conservative at some arm sizes (1.06 % instead of 1 % at 200 per arm in simulation), and a rule that runs
 *   for years should err the other way. It costs little power: 98/150 against 60/150 still gives z = 4.28. Not
 *   against the whole baseline: the accepted trades are part of it, so the two samples would overlap and the test's
 *   independence assumption fail. Against the complement the arms are disjoint, and "the variant beats the
 *   baseline" is the same statement, since the baseline rate is the n-weighted mix of the two arms.
 * - Decision: once BOTH arms have ≥ min_sample_size trades (default 50), the hypothesis is decided, once, on all the
 *   shadow trades so far. Every hypothesis reaching that point in the same evaluateHypotheses call forms one family;
 *   Holm–Bonferroni at alpha (0.05) across it controls the chance of confirming anything false at alpha. Rejected =
 *   a decision that is not a confirmation (not significant, or better for the trades the variant skips). Decisions
 *   are final: re-testing an undecided result on every new trade until p dips below alpha (optional stopping)
 *   would confirm chance patterns far more often than alpha.
 */
import { UsageError } from "../core/errors.js";
import { intervalMs, isInterval } from "../core/interval.js";
import { breakdown, STANDARD_DIMENSIONS, type StandardDimensionName, type TradeContext } from "./breakdowns.js";
import { checkTrades, DEFAULT_MIN_TRADES } from "./metrics.js";
import { holmBonferroni, normalSf, twoProportionZTest, type ZTestResult } from "./stats.js";

/** only: take trades whose key equals `key`; exclude: skip those; at_least: zone_timeframe `key` or coarser. */
export type VariantOp = "only" | "exclude" | "at_least";

export interface Variant {
  readonly dimension: StandardDimensionName;
  readonly op: VariantOp;
  readonly key: string;
}

/** The breakdown row a hypothesis came from. */
export interface Observation {
  readonly dimension: StandardDimensionName;
  readonly key: string;
  readonly n: number;
  readonly wins: number;
  readonly winRate: number;
  readonly low: number;
  readonly high: number;
  readonly overallN: number;
  readonly overallWinRate: number;
  /** The row's interval lay wholly above or wholly below the overall win rate. */
  readonly side: "above" | "below";
}

export type HypothesisStatus = "testing" | "confirmed" | "rejected";

export interface ArmStats {
  readonly n: number;
  readonly wins: number;
  /** Null for an empty arm. */
  readonly winRate: number | null;
}

/** One evaluation of one hypothesis. z, p and the Holm numbers are null until it is decided. */
export interface HypothesisLogEntry {
  readonly hypothesisId: string;
  readonly statement: string;
  /** `now` of the evaluation, epoch ms. */
  readonly time: number;
  readonly status: HypothesisStatus;
  /** The trades the variant takes, and those it rejects. */
  readonly variant: ArmStats;
  readonly rejected: ArmStats;
  readonly z: number | null;
  /** P(Z ≥ z): evidence that the variant's win rate is higher. */
  readonly pOneSided: number | null;
  /** Holm-adjusted p-value within the family; confirmed ⇔ ≤ alpha. */
  readonly adjustedP: number | null;
  /** Hypotheses decided together in this evaluation (the Holm family). */
  readonly familySize: number | null;
  readonly alpha: number;
  readonly minSampleSize: number;
  /** Epoch ms of the decision; null while testing. */
  readonly decidedAt: number | null;
  readonly reason: string;
}

export interface Hypothesis {
  /** `${dimension}:${op}:${key}`: one hypothesis per variant. */
  readonly id: string;
  readonly statement: string;
  readonly variant: Variant;
  /** Epoch ms; only trades entered after it test the hypothesis. */
  readonly createdAt: number;
  /** Null for a hypothesis a person wrote. */
  readonly observation: Observation | null;
  readonly status: HypothesisStatus;
  /** The log entry of the decision; null while testing. */
  readonly decision: HypothesisLogEntry | null;
}

export const DEFAULT_MIN_SAMPLE_SIZE = 50;
export const DEFAULT_ALPHA = 0.05;

const DIMENSIONS = new Map<string, (typeof STANDARD_DIMENSIONS)[number]>(STANDARD_DIMENSIONS.map((d) => [d.name, d]));

const FIELD: Record<StandardDimensionName, string> = {
  signal_type: "signal type",
  zone_timeframe: "zone timeframe",
  at_zone: "zone position",
  volume: "volume",
  rsi_state: "RSI state",
  agents: "agreeing agents",
};

/** Whether the variant takes trade `t`. A trade without a key (no zone) is never "only"-ed in, never excluded. */
export function variantAccepts(v: Variant, t: TradeContext): boolean {
  const key = dimensionOf(v).keyOf(t);
  if (v.op === "only") return key === v.key;
  if (v.op === "exclude") return key !== v.key;
  return key !== null && isInterval(key) && isInterval(v.key) && intervalMs(key) >= intervalMs(v.key);
}

/** The claim a hypothesis about `v` makes, in words. */
export function describeVariant(v: Variant): string {
  const f = FIELD[v.dimension];
  const which =
    v.op === "only"
      ? `Taking only trades with ${f} ${v.key}`
      : v.op === "exclude"
        ? `Skipping trades with ${f} ${v.key}`
        : `Taking only trades with ${f} ${v.key} or coarser`;
  return `${which} raises the win rate above that of the trades it leaves out`;
}

/** A hypothesis in "testing" state (what proposeHypotheses makes; also for one a person writes). */
export function createHypothesis(
  variant: Variant,
  createdAt: number,
  observation: Observation | null = null,
): Hypothesis {
  checkVariant(variant);
  checkTime("createHypothesis", "createdAt", createdAt);
  return {
    id: `${variant.dimension}:${variant.op}:${variant.key}`,
    statement: describeVariant(variant),
    variant: { dimension: variant.dimension, op: variant.op, key: variant.key },
    createdAt,
    observation,
    status: "testing",
    decision: null,
  };
}

export interface ProposeOptions {
  /** Creation time, epoch ms; only trades that closed by then are looked at. */
  readonly now: number;
  /** Rows with fewer trades are not observations (default 20, learning_agent.min_trades_before_learning). */
  readonly minTrades?: number;
  /** Hypotheses that exist already, in any status: equivalent variants are not proposed again. */
  readonly existing?: readonly Hypothesis[];
}

/**
 * New hypotheses from the trades closed by `opts.now` (see the module comment), in STANDARD_DIMENSIONS order and
 * row order within each. Returns only the new ones.
 */
export function proposeHypotheses(trades: readonly TradeContext[], opts: ProposeOptions): Hypothesis[] {
  checkTrades(trades);
  checkTime("proposeHypotheses", "now", opts?.now);
  const minTrades = opts.minTrades ?? DEFAULT_MIN_TRADES;
  if (!Number.isInteger(minTrades) || minTrades < 1) {
    throw new UsageError(`proposeHypotheses: minTrades must be a whole number ≥ 1, got ${String(minTrades)}.`);
  }
  const seen = trades.filter((t) => t.exitTime <= opts.now);
  if (seen.length === 0) return [];
  const overallWins = seen.filter((t) => t.outcome === "WIN").length;
  const overall = overallWins / seen.length;
  const taken: Variant[] = (opts.existing ?? []).map((h) => h.variant);
  const out: Hypothesis[] = [];
  for (const d of STANDARD_DIMENSIONS) {
    const rows = breakdown(seen, d.keyOf, { minTrades });
    // "above" rows first: where "only A" and "exclude B" take the same trades, the positive statement is kept.
    for (const [row, side] of [
      ...rows.filter((r) => r.low !== null && r.low > overall).map((r) => [r, "above"] as const),
      ...rows.filter((r) => r.high !== null && r.high < overall).map((r) => [r, "below"] as const),
    ]) {
      if (!row.enough || row.low === null || row.high === null || row.winRate === null) continue;
      const variant: Variant = { dimension: d.name, op: side === "above" ? "only" : "exclude", key: row.key };
      const accepted = seen.filter((t) => variantAccepts(variant, t)).length;
      // A filter that takes every trade or none has no second arm to be compared with.
      if (accepted === 0 || accepted === seen.length) continue;
      if (taken.some((v) => equivalent(v, variant, seen))) continue;
      taken.push(variant);
      const observation: Observation = {
        dimension: d.name,
        key: row.key,
        n: row.n,
        wins: row.wins,
        winRate: row.winRate,
        low: row.low,
        high: row.high,
        overallN: seen.length,
        overallWinRate: overall,
        side,
      };
      out.push(createHypothesis(variant, opts.now, observation));
    }
  }
  return out;
}

/** Same dimension and the same keys accepted among those seen in `trades` (a missing key counts as one). */
function equivalent(a: Variant, b: Variant, trades: readonly TradeContext[]): boolean {
  if (a.dimension !== b.dimension) return false;
  if (a.op === b.op && a.key === b.key) return true;
  const keyOf = dimensionOf(a).keyOf;
  // One representative trade per observed key is enough: acceptance depends on the key alone.
  const byKey = new Map<string | null, TradeContext>();
  for (const t of trades) if (!byKey.has(keyOf(t))) byKey.set(keyOf(t), t);
  return [...byKey.values()].every((t) => variantAccepts(a, t) === variantAccepts(b, t));
}

export interface EvaluateOptions {
  /** Evaluation time, epoch ms: trades closed after it are not used, and it becomes `decidedAt`. */
  readonly now: number;
  /** Trades each arm needs before a decision (config learning_agent.min_sample_size, default 50). */
  readonly minSampleSize?: number;
  /** Family-wise error rate (default 0.05). */
  readonly alpha?: number;
}

export interface Evaluation {
  /** The hypotheses in input order, statuses updated. */
  readonly hypotheses: Hypothesis[];
  /** One entry per hypothesis that was still testing, in input order. */
  readonly log: HypothesisLogEntry[];
}

/** Tests every hypothesis still "testing" on its shadow trades; see the module comment for the rule. */
export function evaluateHypotheses(
  hyps: readonly Hypothesis[],
  trades: readonly TradeContext[],
  opts: EvaluateOptions,
): Evaluation {
  checkTrades(trades);
  checkTime("evaluateHypotheses", "now", opts?.now);
  const now = opts.now;
  const minSampleSize = opts.minSampleSize ?? DEFAULT_MIN_SAMPLE_SIZE;
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  if (!Number.isInteger(minSampleSize) || minSampleSize < 1) {
    throw new UsageError(`evaluateHypotheses: minSampleSize must be a whole number ≥ 1, got ${String(minSampleSize)}.`);
  }
  if (typeof alpha !== "number" || !(alpha > 0 && alpha < 1)) {
    throw new UsageError(`evaluateHypotheses: alpha must be between 0 and 1 (exclusive), got ${String(alpha)}.`);
  }
  if (!Array.isArray(hyps)) throw new UsageError("evaluateHypotheses: hyps must be an array of hypotheses.");
  const ids = new Set<string>();
  for (const h of hyps) {
    checkHypothesis(h);
    if (ids.has(h.id)) throw new UsageError(`evaluateHypotheses: hypothesis "${h.id}" is listed twice.`);
    ids.add(h.id);
  }

  const closed = trades.filter((t) => t.exitTime <= now);
  const arms = hyps.map((h) => {
    if (h.status !== "testing") return null;
    const shadow = closed.filter((t) => t.entryTime > h.createdAt);
    const taken = shadow.filter((t) => variantAccepts(h.variant, t));
    const left = shadow.filter((t) => !variantAccepts(h.variant, t));
    return { variant: arm(taken), rejected: arm(left) };
  });
  const ready = hyps.map((_, i) => {
    const a = arms[i];
    return a !== null && a !== undefined && a.variant.n >= minSampleSize && a.rejected.n >= minSampleSize;
  });
  const family = hyps.map((_, i) => i).filter((i) => ready[i]);
  const tests = family.map((i) => {
    const a = arms[i]!;
    return continuityCorrectedZTest(a.variant.wins, a.variant.n, a.rejected.wins, a.rejected.n);
  });
  const pValues = tests.map((t) => t.pOneSided);
  const significant = holmBonferroni(pValues, alpha);
  const adjusted = holmAdjusted(pValues);

  const log: HypothesisLogEntry[] = [];
  const hypotheses = hyps.map((h, i) => {
    const a = arms[i];
    if (a === null || a === undefined) return h;
    const base = {
      hypothesisId: h.id,
      statement: h.statement,
      time: now,
      variant: a.variant,
      rejected: a.rejected,
      alpha,
      minSampleSize,
    };
    const k = family.indexOf(i);
    if (k < 0) {
      const entry: HypothesisLogEntry = {
        ...base,
        status: "testing",
        z: null,
        pOneSided: null,
        adjustedP: null,
        familySize: null,
        decidedAt: null,
        reason: `waiting for ${minSampleSize} trades in each arm (taken ${a.variant.n}, left out ${a.rejected.n})`,
      };
      log.push(entry);
      return h;
    }
    const test = tests[k]!;
    const confirmed = significant[k]! && test.z > 0;
    const entry: HypothesisLogEntry = {
      ...base,
      status: confirmed ? "confirmed" : "rejected",
      z: test.z,
      pOneSided: test.pOneSided,
      adjustedP: adjusted[k]!,
      familySize: family.length,
      decidedAt: now,
      reason: reasonFor(confirmed, a.variant, a.rejected, test.z, test.pOneSided, adjusted[k]!, alpha, family.length),
    };
    log.push(entry);
    return { ...h, status: entry.status, decision: entry };
  });
  return { hypotheses, log };
}

/**
 * The pooled two-proportion z-test (stats.ts twoProportionZTest: same pooled SE, same degenerate cases) with Yates'
 * continuity correction: z = sign(d) × max(0, |d| − ½(1/n₁ + 1/n₂)) / SE, d = x₁/n₁ − x₂/n₂. pOneSided = P(Z ≥ z).
 */
export function continuityCorrectedZTest(x1: number, n1: number, x2: number, n2: number): ZTestResult {
  const plain = twoProportionZTest(x1, n1, x2, n2);
  if (plain.z === 0) return plain;
  const d = x1 / n1 - x2 / n2;
  const se = d / plain.z;
  // In whole numbers (exact below 2^53): n₁n₂·|d| = |x₁n₂ − x₂n₁| and n₁n₂·½(1/n₁ + 1/n₂) = (n₁ + n₂)/2, so a
  // difference of exactly the correction gives exactly 0 rather than a rounding residue of ±1e-16.
  const cross = x1 * n2 - x2 * n1;
  const shrunk = Math.max(0, Math.abs(cross) - (n1 + n2) / 2) / (n1 * n2);
  const z = shrunk === 0 ? 0 : (Math.sign(cross) * shrunk) / se;
  return { z, pOneSided: normalSf(z), pTwoSided: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

function arm(trades: readonly TradeContext[]): ArmStats {
  const wins = trades.filter((t) => t.outcome === "WIN").length;
  return { n: trades.length, wins, winRate: trades.length > 0 ? wins / trades.length : null };
}

/**
 * Holm-adjusted p-values: with p sorted ascending, p̃₍ₖ₎ = max over j ≤ k of min(1, (m − j)·p₍ⱼ₎). A test is rejected
 * by Holm at alpha exactly when p̃ ≤ alpha; reported so a reader sees how close each decision was.
 */
export function holmAdjusted(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const out = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

function reasonFor(
  confirmed: boolean,
  taken: ArmStats,
  left: ArmStats,
  z: number,
  p: number,
  adjustedP: number,
  alpha: number,
  m: number,
): string {
  const rates = `${pct(taken.winRate)} taken (n=${taken.n}) vs ${pct(left.winRate)} left out (n=${left.n})`;
  const stats = `z = ${z.toFixed(2)}, one-sided p = ${p.toPrecision(2)}, Holm-adjusted p = ${adjustedP.toPrecision(2)} among ${m}`;
  if (confirmed) return `confirmed: ${rates}; ${stats} ≤ ${alpha}`;
  if (z < 0) return `rejected, wrong direction: the trades it leaves out did better (${rates}; ${stats})`;
  return `rejected, not significant: ${rates}; ${stats} > ${alpha}`;
}

function pct(rate: number | null): string {
  return rate === null ? "–" : `${(rate * 100).toFixed(1)}%`;
}

function dimensionOf(v: Variant): (typeof STANDARD_DIMENSIONS)[number] {
  const d = DIMENSIONS.get(v.dimension);
  if (!d) {
    throw new UsageError(
      `hypothesis variant: unknown dimension "${String(v.dimension)}"; use one of ${[...DIMENSIONS.keys()].join(", ")}.`,
    );
  }
  return d;
}

function checkVariant(v: Variant): void {
  if (!v || typeof v !== "object") throw new UsageError("hypothesis variant must be { dimension, op, key }.");
  dimensionOf(v);
  if (v.op !== "only" && v.op !== "exclude" && v.op !== "at_least") {
    throw new UsageError(`hypothesis variant: op must be only, exclude or at_least, got ${String(v.op)}.`);
  }
  if (typeof v.key !== "string")
    throw new UsageError(`hypothesis variant: key must be a string, got ${String(v.key)}.`);
  if (v.op === "at_least" && (v.dimension !== "zone_timeframe" || !isInterval(v.key))) {
    throw new UsageError(
      `hypothesis variant: at_least needs dimension zone_timeframe and an interval key such as 1d, got ${v.dimension} ${v.key}.`,
    );
  }
}

function checkHypothesis(h: Hypothesis): void {
  if (!h || typeof h !== "object" || typeof h.id !== "string") {
    throw new UsageError("evaluateHypotheses: every hypothesis needs an id; make them with createHypothesis.");
  }
  checkVariant(h.variant);
  checkTime("evaluateHypotheses", `hypothesis "${h.id}" createdAt`, h.createdAt);
  if (h.status !== "testing" && h.status !== "confirmed" && h.status !== "rejected") {
    throw new UsageError(
      `hypothesis "${h.id}": status must be testing, confirmed or rejected, got ${String(h.status)}.`,
    );
  }
}

function checkTime(fn: string, name: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new UsageError(`${fn}: ${name} must be epoch ms (a finite number), got ${String(v)}.`);
  }
}
