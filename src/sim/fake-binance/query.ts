/**
 * Query-string parameters with Binance's validation rules: duplicates (-1101), empty values (-1102/-1105), numbers
 * matching ^[0-9]{1,20}$ (-1100), and on spot the check that every parameter sent was read (-1104).
 */
import { apiErrors, NUMBER_RANGE, SYMBOL_RANGE, SYMBOLS_RANGE } from "./api-error.js";

const SYMBOL_PATTERN = /^[A-Z0-9\-_.]{1,20}$/;
const SYMBOLS_PATTERN = /^\[("[A-Z0-9\-_.]{1,20}"(,"[A-Z0-9\-_.]{1,20}")*)?\]$/;
/** Spot accepts microsecond timestamps in startTime/endTime since 2024-12-17. */
const MICROS_THRESHOLD = 1e15;

export class Query {
  readonly #values = new Map<string, string>();
  readonly #read = new Set<string>();
  readonly hasDuplicates: boolean;

  constructor(search: URLSearchParams) {
    let dup = false;
    for (const [k, v] of search) {
      if (this.#values.has(k)) dup = true;
      this.#values.set(k, v);
    }
    this.hasDuplicates = dup;
  }

  /** A value without marking it read (for weights, which Binance computes before validating). */
  peek(name: string): string | undefined {
    return this.#values.get(name);
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  get(name: string): string | undefined {
    const v = this.#values.get(name);
    if (v === undefined) return undefined;
    this.#read.add(name);
    if (v === "") throw apiErrors.emptyParam(name);
    return v;
  }

  required(name: string): string {
    const v = this.#values.get(name);
    this.#read.add(name);
    if (v === undefined || v === "") throw apiErrors.mandatory(name);
    return v;
  }

  int(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!/^[0-9]{1,20}$/.test(v)) throw apiErrors.illegalChars(name, NUMBER_RANGE);
    return Number(v);
  }

  /** Epoch ms; spot also takes microseconds. */
  time(name: string, acceptMicros: boolean): number | undefined {
    const t = this.int(name);
    if (t === undefined) return undefined;
    return acceptMicros && t >= MICROS_THRESHOLD ? Math.floor(t / 1000) : t;
  }

  /** Spot: upper-case only. Futures: any case, answered in upper case. */
  symbol(name: string, strict: boolean, required: boolean): string | undefined {
    const v = required ? this.required(name) : this.get(name);
    if (v === undefined) return undefined;
    const s = strict ? v : v.toUpperCase();
    if (!SYMBOL_PATTERN.test(s)) throw apiErrors.illegalChars(name, SYMBOL_RANGE);
    return s;
  }

  /** `symbols=["BTCUSDT","ETHUSDT"]`: compact JSON, upper-case, no duplicates. */
  symbolList(name: string): string[] | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!SYMBOLS_PATTERN.test(v)) throw apiErrors.illegalChars(name, SYMBOLS_RANGE);
    const list = JSON.parse(v) as string[];
    if (new Set(list).size !== list.length) throw apiErrors.duplicateSymbols();
    return list;
  }

  /** Spot rejects parameters it does not know (observed -1104). */
  assertAllRead(): void {
    if (this.#read.size < this.#values.size) {
      const read = [...this.#values.keys()].filter((k) => this.#read.has(k)).length;
      throw apiErrors.unreadParams(read, this.#values.size);
    }
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.#values);
  }
}

/** Number of symbols in a `symbols` parameter as sent, for weight tables (0 when absent or unreadable). */
export function countSymbols(raw: string | undefined): number {
  if (!raw) return 0;
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.length : 0;
  } catch {
    return 0;
  }
}
