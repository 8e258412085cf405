/** Wording shared by evidence labels and rationales (locale-independent, so the same analysis reads the same). */
import type { Interval } from "../core/interval.js";

const NAMES: Partial<Record<Interval, string>> = {
  "1M": "Monthly",
  "1w": "Weekly",
  "3d": "3-day",
  "1d": "Daily",
  "12h": "12H",
  "8h": "8H",
  "6h": "6H",
  "4h": "4H",
  "2h": "2H",
  "1h": "1H",
};

export function timeframeName(tf: Interval): string {
  return NAMES[tf] ?? tf;
}

/** $45,230.50; small prices keep their significant digits ($0.0001234). */
export function formatPrice(p: number): string {
  const digits = p >= 100 ? 2 : p >= 1 ? 4 : 8;
  return `$${p.toLocaleString("en-US", { minimumFractionDigits: p >= 100 ? 2 : 0, maximumFractionDigits: digits })}`;
}
