/**
 * The directional evidence of one analysis: each directional component (price action, momentum, S/R) as weighted,
 * signed items, LONG positive. Synthesis picks the direction from their sum; see synthesis.ts for the rules.
 */
import type { MomentumScreen } from "../agents/momentum.js";
import type { SymbolAnalysis, ZoneSummary } from "../agents/symbol-analysis.js";
import type { Interval } from "../core/interval.js";
import { formatPrice, timeframeName } from "./evidence-format.js";
import type { Component, SynthesisOptions } from "./synthesis-options.js";

/**
 * One piece of evidence, LONG-signed: value × weight, positive for LONG, negative for SHORT. Its label is written
 * only for a signal's card and rationale, not for the analyses that emit nothing (nearly all of them).
 */
export interface SignedItem {
  readonly component: Exclude<Component, "volume" | "learning">;
  readonly label: () => string;
  readonly value: number;
}

export interface AlignedBreakout {
  readonly direction: "up" | "down";
  /** Signed: + above the level crossed, − below. */
  readonly pct: number;
  /** The component value it earns, 0–1: breakoutValue(strength), faded by age. */
  readonly strength: number;
  readonly barsAgo: number;
}

export interface DirectionalEvidence {
  readonly items: readonly SignedItem[];
  /** Σ of the items per component, each in [−weight, +weight]. */
  readonly components: { readonly price_action: number; readonly momentum: number; readonly sr: number };
  readonly net: number;
  /** The strongest support / resistance zone the price is at (see zoneMargin). */
  readonly atSupport: ZoneSummary | null;
  readonly atResistance: ZoneSummary | null;
  readonly breakoutUp: AlignedBreakout | null;
  readonly breakoutDown: AlignedBreakout | null;
}

/** "At a zone" distance: max(zone_atr_distance × ATR, zone_tolerance × price). */
export function zoneMargin(price: number, atr: number, o: SynthesisOptions): number {
  return Math.max(o.zone_atr_distance * atr, o.zone_tolerance * price);
}

/** 0 inside the band, else the distance to its nearer edge. */
export function distanceToZone(price: number, z: { readonly low: number; readonly high: number }): number {
  if (price >= z.low && price <= z.high) return 0;
  return Math.min(Math.abs(price - z.low), Math.abs(price - z.high));
}

export function directionalEvidence(a: SymbolAnalysis, atr: number, o: SynthesisOptions): DirectionalEvidence {
  const sr = srItems(a, atr, o);
  const pa = priceActionItems(a, o);
  // A zone scored 0 is no evidence: leave it off the card.
  const items = [...sr.items, ...momentumItems(a, o), ...pa.items].filter((i) => i.value !== 0);
  const sum = (c: SignedItem["component"]) => items.filter((i) => i.component === c).reduce((s, i) => s + i.value, 0);
  const components = { price_action: sum("price_action"), momentum: sum("momentum"), sr: sum("sr") };
  return {
    items,
    components,
    net: components.price_action + components.momentum + components.sr,
    atSupport: sr.atSupport,
    atResistance: sr.atResistance,
    breakoutUp: pa.up,
    breakoutDown: pa.down,
  };
}

function srItems(a: SymbolAnalysis, atr: number, o: SynthesisOptions) {
  const margin = zoneMargin(a.price, atr, o);
  let atSupport: ZoneSummary | null = null;
  let atResistance: ZoneSummary | null = null;
  const better = (z: ZoneSummary, best: ZoneSummary | null) =>
    best === null ||
    z.score > best.score ||
    (z.score === best.score && distanceToZone(a.price, z) < distanceToZone(a.price, best));
  for (const z of a.zones) {
    if (distanceToZone(a.price, z) > margin) continue;
    if (z.type === "support" && better(z, atSupport)) atSupport = z;
    if (z.type === "resistance" && better(z, atResistance)) atResistance = z;
  }
  const items: SignedItem[] = [];
  const w = o.weights.sr;
  if (atSupport) {
    const z = atSupport;
    items.push({ component: "sr", label: () => zoneLabel(z), value: (w * clampScore(z)) / 100 });
  }
  if (atResistance) {
    const z = atResistance;
    items.push({ component: "sr", label: () => zoneLabel(z), value: (-w * clampScore(z)) / 100 });
  }
  return { items, atSupport, atResistance };
}

const clampScore = (z: ZoneSummary) => Math.min(100, Math.max(0, z.score));

function zoneLabel(z: ZoneSummary): string {
  const tf = z.timeframes[0];
  const where = tf ? `${timeframeName(tf)} ` : "";
  return `${where}${z.type} confluence @ ${formatPrice(z.price)} (${z.touches} touches)`;
}

/** 0 for none, 0.75 for one timeframe, rising linearly to 1 when all of them agree. */
export function breadth(k: number, n: number): number {
  if (k <= 0 || n <= 0) return 0;
  return n === 1 ? 1 : 0.75 + (0.25 * Math.min(k - 1, n - 1)) / (n - 1);
}

/** Any breakout counts at least half (a breakout is evidence in itself); its strength earns the rest. */
export function breakoutValue(strength: number): number {
  return 0.5 + 0.5 * Math.min(1, Math.max(0, strength));
}

export function momentumItems(a: { readonly momentum: MomentumScreen }, o: SynthesisOptions): SignedItem[] {
  const m = a.momentum;
  const frames = Object.entries(m.timeframes) as [Interval, NonNullable<(typeof m.timeframes)[Interval]>][];
  const n = frames.length;
  if (n === 0) return [];
  const w = o.weights.momentum;
  const p = o.momentum_parts;
  const items: SignedItem[] = [];
  const list = (tfs: readonly Interval[]) => tfs.join(", ");
  if (m.oversoldOn.length > 0) {
    items.push({
      component: "momentum",
      label: () => `Oversold RSI (${list(m.oversoldOn)})`,
      value: w * p.rsi * breadth(m.oversoldOn.length, n),
    });
  }
  if (m.overboughtOn.length > 0) {
    items.push({
      component: "momentum",
      label: () => `Overbought RSI (${list(m.overboughtOn)})`,
      value: -w * p.rsi * breadth(m.overboughtOn.length, n),
    });
  }
  const recentCross = (kind: "bullish" | "bearish") =>
    frames
      .filter(([, f]) => f.macdCross?.kind === kind && f.macdCross.barsAgo <= o.macd_cross_max_bars)
      .map(([tf]) => tf);
  const divergence = (kind: "bullish" | "bearish") =>
    frames.filter(([, f]) => f.divergence?.kind === kind).map(([tf]) => tf);
  for (const [kind, sign] of [
    ["bullish", 1],
    ["bearish", -1],
  ] as const) {
    const crosses = recentCross(kind);
    if (crosses.length > 0) {
      items.push({
        component: "momentum",
        label: () => `${cap(kind)} MACD cross (${list(crosses)})`,
        value: (sign * w * p.macd_cross * crosses.length) / n,
      });
    }
    const divs = divergence(kind);
    if (divs.length > 0) {
      items.push({
        component: "momentum",
        label: () => `${cap(kind)} RSI divergence (${list(divs)})`,
        value: (sign * w * p.divergence * divs.length) / n,
      });
    }
  }
  return items;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function priceActionItems(a: SymbolAnalysis, o: SynthesisOptions) {
  const pa = a.priceAction;
  const candidates: AlignedBreakout[] = pa.breakouts.map((b) => ({
    direction: b.direction,
    pct: b.direction === "up" ? b.distancePercent : -b.distancePercent,
    strength: breakoutValue(b.strength),
    barsAgo: 0,
  }));
  const last = pa.lastBreakout;
  if (last && last.barsAgo > 0 && last.barsAgo <= o.breakout_max_bars) {
    candidates.push({
      direction: last.direction,
      pct: last.direction === "up" ? last.distancePercent : -last.distancePercent,
      strength: breakoutValue(last.strength) * (1 - last.barsAgo / (o.breakout_max_bars + 1)),
      barsAgo: last.barsAgo,
    });
  }
  const strongest = (d: "up" | "down") =>
    candidates
      .filter((c) => c.direction === d)
      .reduce<AlignedBreakout | null>((best, c) => (best === null || c.strength > best.strength ? c : best), null);
  const up = strongest("up");
  const down = strongest("down");
  const items: SignedItem[] = [];
  const w = o.weights.price_action;
  const when = (b: AlignedBreakout) => (b.barsAgo > 0 ? `, ${b.barsAgo} candle${b.barsAgo > 1 ? "s" : ""} ago` : "");
  const pct = (b: AlignedBreakout) => `${b.pct >= 0 ? "+" : ""}${b.pct.toFixed(1)}%`;
  if (up && up.strength > 0) {
    items.push({
      component: "price_action",
      label: () => `Bullish breakout (${pct(up)}${when(up)})`,
      value: w * Math.min(1, up.strength),
    });
  }
  if (down && down.strength > 0) {
    items.push({
      component: "price_action",
      label: () => `Bearish breakdown (${pct(down)}${when(down)})`,
      value: -w * Math.min(1, down.strength),
    });
  }
  return { items, up, down };
}
