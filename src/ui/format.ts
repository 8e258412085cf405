/**
 * Number, price and time formatting for terminal output. Deterministic (en-US grouping, UTC), never "NaN":
 * a non-finite number is shown as "-" so a bug upstream cannot print garbage that looks like data.
 */
import { DAY, HOUR, MINUTE } from "../core/interval.js";

const MISSING = "-";

function grouped(n: number, decimals: number): string {
  return n.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
    useGrouping: true,
  });
}

/** 1234567.891 → "1,234,567.89" (decimals default 2); integers with decimals 0 → "1,234,568". */
export function formatNumber(n: number, decimals = 2): string {
  if (!Number.isFinite(n)) return MISSING;
  return grouped(n, decimals);
}

export function formatInt(n: number): string {
  return formatNumber(Math.round(n), 0);
}

/** Decimal places of a tick size: 0.01 → 2, 1e-8 → 8, 0.5 → 1, 10 → 0. */
export function decimalsOf(step: number): number {
  if (!Number.isFinite(step) || step <= 0) return 0;
  for (let d = 0; d <= 12; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 12;
}

/**
 * A price with the market's own precision when the tick size is known (0.01 → 2 decimals), else with 5 significant
 * digits and at least 2 decimals: 67123.45 → "67,123.45", 1.23456 → "1.2346", 0.000012345 → "0.000012345".
 */
export function formatPrice(price: number, tickSize?: number): string {
  if (!Number.isFinite(price)) return MISSING;
  if (tickSize !== undefined && tickSize > 0) return grouped(price, decimalsOf(tickSize));
  return grouped(price, priceDecimals(price));
}

/** 2.3456 → "+2.35%", -0.5 → "-0.50%". The input is already in percent (Binance's priceChangePercent). */
export function formatPercent(pct: number, opts: { decimals?: number; sign?: boolean } = {}): string {
  if (!Number.isFinite(pct)) return MISSING;
  const s = grouped(pct, opts.decimals ?? 2);
  return `${(opts.sign ?? true) && pct > 0 ? "+" : ""}${s}%`;
}

/** 1234567890 → "1.23B", 45600 → "45.6K", 999 → "999". For volumes where magnitude matters more than digits. */
export function formatCompact(n: number): string {
  if (!Number.isFinite(n)) return MISSING;
  const abs = Math.abs(n);
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const v = n / size;
      return `${v.toFixed(Math.abs(v) >= 100 ? 1 : 2)}${suffix}`;
    }
  }
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** "2024-01-31 16:00" (UTC); with seconds when asked or when the time is not on a whole minute. */
export function formatUtc(ms: number, opts: { seconds?: boolean; dateOnly?: boolean } = {}): string {
  if (!Number.isFinite(ms)) return MISSING;
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  if (opts.dateOnly) return date;
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  const withSeconds = opts.seconds ?? ms % MINUTE !== 0;
  return `${date} ${hm}${withSeconds ? `:${pad2(d.getUTCSeconds())}` : ""}`;
}

/** A span of time for humans: "45s", "3m 05s", "2h 07m", "3d 04h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return MISSING;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (ms < HOUR) return `${Math.floor(s / 60)}m ${pad2(s % 60)}s`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h ${pad2(Math.floor((ms % HOUR) / MINUTE))}m`;
  return `${Math.floor(ms / DAY)}d ${pad2(Math.floor((ms % DAY) / HOUR))}h`;
}

/** "1 symbol", "3 symbols". */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${formatInt(n)} ${n === 1 ? word : pluralWord}`;
}

/**
 * Decimals that show `price` to 5 significant digits (at least 2). For a column, take it from the smallest price
 * and use it for every row, so the decimal points line up.
 */
export function priceDecimals(price: number): number {
  if (!Number.isFinite(price) || price === 0) return 2;
  const intDigits = Math.floor(Math.log10(Math.abs(price))) + 1;
  return Math.min(12, Math.max(2, 5 - intDigits));
}

/** 900000 → "15m", 86400000 → "1d": an interval as people write it (formatDuration when it is not whole). */
export function formatEvery(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return formatDuration(ms);
}
