/**
 * Small hand-written validators for JSON bodies (faster than a schema library on 1500-row kline pages, and their
 * messages name the exact element: `row 3: field close is "abc", expected a decimal number`).
 * They throw ShapeError; the client wraps it in a BadResponseError that names the endpoint.
 */
export class ShapeError extends Error {
  override name = "ShapeError";
}

const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return "missing";
  if (typeof v === "number") return String(v);
  return Array.isArray(v) ? "an array" : v === null ? "null" : typeof v;
}

export function asObject(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new ShapeError(`${where} is ${show(v)}, expected an object`);
  return v as Record<string, unknown>;
}

export function asArray(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(`${where} is ${show(v)}, expected an array`);
  return v;
}

export function asString(v: unknown, where: string): string {
  if (typeof v !== "string" || v === "") throw new ShapeError(`${where} is ${show(v)}, expected a non-empty string`);
  return v;
}

/** A decimal as Binance sends prices and quantities: a numeric string (or a JSON number); finite, never NaN. */
export function asDecimal(v: unknown, where: string): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && DECIMAL.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  throw new ShapeError(`${where} is ${show(v)}, expected a decimal number`);
}

/** An integer such as a timestamp or a trade count (JSON number, or integer string). */
export function asInteger(v: unknown, where: string): number {
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n))
    throw new ShapeError(`${where} is ${show(v)}, expected an integer`);
  return n;
}

export function asBoolean(v: unknown, where: string): boolean {
  if (typeof v !== "boolean") throw new ShapeError(`${where} is ${show(v)}, expected true or false`);
  return v;
}
