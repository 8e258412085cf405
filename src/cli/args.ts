/**
 * Parsing of command-line values. Each error names the flag, repeats what was typed and says what is accepted.
 */
import { UsageError } from "../core/errors.js";
import { type Interval, parseInterval } from "../core/interval.js";
import { SYMBOL_PATTERN } from "../core/config-schema.js";
import { DAY } from "../core/interval.js";

/** A whole number in [min, max]. */
export function parseIntArg(flag: string, raw: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[+]?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} ${raw} is not valid; use a whole number ${range}`);
  }
  return n;
}

/** Comma-separated, trimmed, empty items dropped, duplicates removed in order. */
export function splitList(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
  ];
}

/** `btcusdt,ETHUSDT` → ["BTCUSDT", "ETHUSDT"]; whether they exist is the exchange's to say. */
export function parseSymbols(flag: string, raw: string): string[] {
  const symbols = splitList(raw.toUpperCase());
  if (symbols.length === 0) throw new UsageError(`${flag} is empty; list symbols like BTCUSDT,ETHUSDT`);
  for (const s of symbols) {
    if (!SYMBOL_PATTERN.test(s)) {
      throw new UsageError(`${flag}: "${s}" is not a symbol; use exchange symbols like BTCUSDT (no slash or dash)`);
    }
  }
  return symbols;
}

export function parseSymbol(raw: string): string {
  return parseSymbols("SYMBOL", raw)[0] as string;
}

export function parseIntervals(flag: string, raw: string): Interval[] {
  const items = splitList(raw);
  if (items.length === 0) throw new UsageError(`${flag} is empty; list intervals like 1h,4h,1d`);
  return items.map(parseInterval);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A UTC date (`2024-01-01` = midnight UTC) or ISO time (`2024-01-01T12:00Z`, `2024-01-01 12:00`, with or without
 * an offset; no offset means UTC). Impossible dates such as 2024-02-30 are rejected rather than rolled over.
 * `endOfDay`: a date-only value means the end of that day (for inclusive `--to`).
 */
export function parseDateArg(flag: string, raw: string, opts: { endOfDay?: boolean } = {}): number {
  const bad = () => new UsageError(`${flag} ${raw} is not a date; use YYYY-MM-DD or an ISO time`);
  const s = raw.trim();
  const d = DATE_ONLY.exec(s);
  if (d) {
    const t = validUtc(Number(d[1]), Number(d[2]), Number(d[3]), 0, 0, 0);
    if (t === undefined) throw bad();
    return opts.endOfDay ? t + DAY - 1 : t;
  }
  const m = DATE_TIME.exec(s);
  if (!m) throw bad();
  const base = validUtc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (base === undefined) throw bad();
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const zone = m[8];
  let offset = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z || Number(z[2]) > 14 || Number(z[3]) > 59) throw bad();
    offset = (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return base + ms - offset;
}

function validUtc(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  // Date.UTC rolls 2024-02-30 over to March 1st; a round trip catches it.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return t;
}
