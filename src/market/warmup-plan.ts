/**
 * The cheapest way to fill a fresh store with the last N candles of several intervals (a cold start).
 *
 * Each interval is either downloaded, or derived exactly from a finer requested interval that is downloaded anyway,
 * whose range then stretches back far enough to cover the coarser interval's look-back. Which choice is cheaper
 * depends on the exchange's price list: on Binance spot a kline request costs 2 whatever its size (up to 1000 rows),
 * so 1d reaching back 700 days also yields 100 weeks and 100 three-day candles for free; on Binance futures the
 * weight grows with the rows asked for, and 100 rows in one request is hard to beat. The planner simply tries every
 * assignment (intervals are few; branch and bound keeps even all sixteen quick) and keeps the one with the least
 * request weight; among equally cheap ones, the one deriving the fewest intervals (the exchange's own candles are the
 * reference, as in planSync), then the fewest requests, then the fewest candles transferred.
 *
 * Pages are costed exactly as syncCandles sends them: full pages of `pageSize` rows, then one short page that asks
 * for no more rows than are left. Each group is meant for one syncCandles call (see `warmupSync`).
 */
import { UsageError } from "../core/errors.js";
import {
  alignDown,
  countCandles,
  divides,
  INTERVALS,
  type Interval,
  intervalMs,
  isInterval,
} from "../core/interval.js";
import type { KlinePaging } from "../exchange/exchange.js";
import { previousOpenTime } from "./ranges.js";
import type { SyncRequest } from "./sync.js";
import type { SyncPlanOptions } from "./sync-plan.js";

export interface WarmupPlanOptions {
  /** Closed candles wanted per interval, ending with the last one closed at `now`. */
  readonly lookback: Partial<Record<Interval, number>>;
  /** How the exchange pages klines (its adapter's `capabilities.klines`). */
  readonly paging: KlinePaging;
  /** The exchange's current time (epoch ms). */
  readonly now: number;
  /** Downloaded whenever requested, never derived (default ["1d"], as in planSync: Binance's own daily candles). */
  readonly alwaysDownload?: readonly Interval[];
  /** Never derived and never used as a source. Default none. */
  readonly neverDerive?: readonly Interval[];
  /** Rows per request, as given to syncCandles (default paging.bestPageSize: what syncCandles uses by default). */
  readonly pageSize?: number;
  /** Weight of one request of `limit` rows (default paging.weight). */
  readonly requestWeight?: (limit: number) => number;
}

export interface WarmupGroup {
  /** The interval fetched from the exchange. */
  readonly download: Interval;
  /** Intervals aggregated from `download`, finest first. */
  readonly derive: readonly Interval[];
  /** Open time of the first `download` candle fetched: the earliest candle any member of the group needs. */
  readonly from: number;
  /** Closed `download` candles in [from, now). */
  readonly rows: number;
  readonly requests: number;
  readonly weight: number;
}

export interface WarmupPlan {
  readonly groups: readonly WarmupGroup[];
  /** Per symbol. */
  readonly weight: number;
  readonly requests: number;
  readonly rows: number;
  /** Per symbol, if every interval were downloaded directly: what the plan saves against. */
  readonly directWeight: number;
}

interface Costing {
  readonly pageSize: number;
  readonly weight: (limit: number) => number;
}

interface Cost {
  readonly weight: number;
  readonly requests: number;
  readonly rows: number;
}

/** Largest search the branch and bound may explore before giving up (never reached with Binance's 16 intervals). */
const MAX_NODES = 5_000_000;

const ORDER = (i: Interval) => (i === "1M" ? Number.MAX_SAFE_INTEGER : intervalMs(i));

export function planWarmup(opts: WarmupPlanOptions): WarmupPlan {
  const { paging, now } = opts;
  if (!Number.isSafeInteger(now) || now <= 0)
    throw new UsageError(`planWarmup: now must be epoch milliseconds, got ${now}.`);
  const wanted: { interval: Interval; first: number }[] = [];
  for (const [key, count] of Object.entries(opts.lookback)) {
    if (count === undefined) continue;
    if (!isInterval(key))
      throw new UsageError(`planWarmup: unsupported interval "${key}". Valid intervals: ${INTERVALS.join(", ")}.`);
    if (!Number.isSafeInteger(count) || count < 1)
      throw new UsageError(`planWarmup: lookback for ${key} must be a whole number of candles >= 1, got ${count}.`);
    wanted.push({ interval: key, first: firstOpenTime(key, count, now) });
  }
  if (wanted.length === 0) throw new UsageError("planWarmup: no intervals in lookback; nothing to plan.");
  wanted.sort((a, b) => ORDER(a.interval) - ORDER(b.interval));

  const maxLimit = paging.maxLimit;
  const pageSize = opts.pageSize ?? paging.bestPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxLimit) {
    throw new UsageError(
      `planWarmup: pageSize must be a whole number from 1 to ${maxLimit} (the exchange's largest kline page), got ${pageSize}.`,
    );
  }
  const weight = opts.requestWeight ?? ((limit: number) => paging.weight(limit));
  const costing: Costing = { pageSize, weight };
  const always = new Set<Interval>(opts.alwaysDownload ?? ["1d"]);
  const never = new Set<Interval>(opts.neverDerive ?? []);

  // Depth-first over the intervals, finest first: each is downloaded, or derived from an earlier downloaded one.
  // A group's cost only grows as members join (its range only gets longer), so a partial cost at or above the best
  // complete one prunes the branch.
  const n = wanted.length;
  const source: number[] = new Array<number>(n).fill(-1); // -1: downloaded; else the index it is derived from
  const groupFirst: number[] = wanted.map((w) => w.first);
  const groupCost: Cost[] = new Array<Cost>(n);
  let best: { source: number[]; cost: Cost; derived: number } | undefined;
  let nodes = 0;

  /** The cost of the groups among the first `k` intervals (those decided so far). */
  const total = (k: number): Cost => {
    let w = 0;
    let r = 0;
    let rows = 0;
    for (let i = 0; i < k; i++) {
      if (source[i] !== -1) continue;
      const c = groupCost[i]!;
      w += c.weight;
      r += c.requests;
      rows += c.rows;
    }
    return { weight: w, requests: r, rows };
  };
  const better = (c: Cost, derived: number): boolean => {
    if (!best) return true;
    const b = best.cost;
    if (c.weight !== b.weight) return c.weight < b.weight;
    if (derived !== best.derived) return derived < best.derived;
    if (c.requests !== b.requests) return c.requests < b.requests;
    return c.rows < b.rows;
  };
  const visit = (k: number, derived: number): void => {
    if (++nodes > MAX_NODES) {
      throw new UsageError(`planWarmup: too many intervals to plan exhaustively (${n}); ask for fewer.`);
    }
    const partial = total(k);
    if (best && partial.weight > best.cost.weight) return;
    if (k === n) {
      if (better(partial, derived)) best = { source: [...source], cost: partial, derived };
      return;
    }
    const x = wanted[k]!;
    // Downloaded on its own.
    source[k] = -1;
    groupFirst[k] = x.first;
    groupCost[k] = pagesCost(x.interval, x.first, now, costing);
    visit(k + 1, derived);
    // Derived from an earlier interval that is downloaded.
    if (always.has(x.interval) || never.has(x.interval)) return;
    for (let j = 0; j < k; j++) {
      const y = wanted[j]!;
      if (source[j] !== -1 || never.has(y.interval) || !divides(y.interval, x.interval)) continue;
      const savedFirst = groupFirst[j]!;
      const savedCost = groupCost[j]!;
      source[k] = j;
      groupFirst[j] = Math.min(savedFirst, x.first);
      groupCost[j] = pagesCost(y.interval, groupFirst[j]!, now, costing);
      visit(k + 1, derived + 1);
      groupFirst[j] = savedFirst;
      groupCost[j] = savedCost;
    }
    source[k] = -1;
  };
  visit(0, 0);

  const chosen = best!;
  const groups: WarmupGroup[] = [];
  for (let i = 0; i < n; i++) {
    if (chosen.source[i] !== -1) continue;
    const members = wanted.filter((_, k) => chosen.source[k] === i);
    const from = Math.min(wanted[i]!.first, ...members.map((m) => m.first));
    const c = pagesCost(wanted[i]!.interval, from, now, costing);
    groups.push({
      download: wanted[i]!.interval,
      derive: members.map((m) => m.interval),
      from,
      rows: c.rows,
      requests: c.requests,
      weight: c.weight,
    });
  }
  const directWeight = wanted.reduce((s, w) => s + pagesCost(w.interval, w.first, now, costing).weight, 0);
  return {
    groups,
    weight: chosen.cost.weight,
    requests: chosen.cost.requests,
    rows: chosen.cost.rows,
    directWeight,
  };
}

/**
 * The syncCandles arguments that carry out one group: its download interval is forced to be downloaded (and the
 * usual "1d is always downloaded" default lifted), so planSync derives every other member from it.
 */
export function warmupSync(
  group: WarmupGroup,
  symbols: readonly string[],
): { readonly request: SyncRequest; readonly options: SyncPlanOptions } {
  return {
    request: { symbols, intervals: [group.download, ...group.derive], from: group.from },
    options: { alwaysDownload: [group.download], neverDerive: [] },
  };
}

/** Open time of the first of the `count` candles of `interval` closed at `now`. */
export function firstOpenTime(interval: Interval, count: number, now: number): number {
  if (interval !== "1M") return alignDown(interval, now) - count * intervalMs(interval);
  let t = alignDown("1M", now);
  for (let i = 0; i < count; i++) t = previousOpenTime("1M", t);
  return t;
}

/** Requests, weight and rows to fetch the closed `interval` candles from `from` to `now`, paged like syncCandles. */
function pagesCost(interval: Interval, from: number, now: number, c: Costing): Cost {
  const rows = countCandles(interval, from, alignDown(interval, now));
  const full = Math.floor(rows / c.pageSize);
  const rest = rows % c.pageSize;
  return {
    rows,
    requests: full + (rest > 0 ? 1 : 0),
    weight: full * c.weight(c.pageSize) + (rest > 0 ? c.weight(rest) : 0),
  };
}
