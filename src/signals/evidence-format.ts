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

// toLocaleString builds a formatter on every call, which profiling showed as the largest single cost of a backtest
// (labels are made for every analysis): one formatter per precision, made once.
const FORMATS = {
  large: new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  unit: new Intl.NumberFormat("en-US", { minimumFractionDigits: 0, maximumFractionDigits: 4 }),
  small: new Intl.NumberFormat("en-US", { minimumFractionDigits: 0, maximumFractionDigits: 8 }),
};

/** $45,230.50; small prices keep their significant digits ($0.0001234). */
export function formatPrice(p: number): string {
  const f = p >= 100 ? FORMATS.large : p >= 1 ? FORMATS.unit : FORMATS.small;
  return `$${f.format(p)}`;
}
