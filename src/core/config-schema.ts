/**
 * The configuration schema: one section per module, snake_case keys. Every leaf says in plain words
 * what it accepts (`allowed`), which is what a user reads when a value is rejected.
 *
 * An analysis agent's section lives in the agent's module (its definition's `config`); the registry adds it here.
 * To add a section for another module: define it below with the leaf builders, add it to the sections of
 * `buildConfigSchema`, and document every key in config.example.yaml (a test fails until the example matches).
 */
import { z } from "zod";
import { INTERVALS, type Interval, parseInterval } from "./interval.js";

/** What a leaf accepts, in words, e.g. "a whole number from 1 to 100". Read by the error formatter. */
export const allowedRegistry = z.registry<{ allowed: string }>();

export function leaf<T extends z.ZodType>(schema: T, allowed: string): T {
  allowedRegistry.add(schema as z.ZodType, { allowed });
  return schema;
}

function plain(n: number): string {
  return Number.isInteger(n) && Math.abs(n) >= 10_000 ? n.toLocaleString("en-US") : String(n);
}

export const bool = () => leaf(z.boolean(), "true or false");

export function int(min: number, max?: number, unit = ""): z.ZodInt {
  const u = unit ? ` ${unit}` : "";
  return max === undefined
    ? leaf(z.int().min(min), `a whole number${u} of at least ${plain(min)}`)
    : leaf(z.int().min(min).max(max), `a whole number${u} from ${plain(min)} to ${plain(max)}`);
}

/** A number in a range; `above` is an exclusive lower bound, `min` an inclusive one. */
export function num(range: { above?: number; min?: number; max: number }): z.ZodNumber {
  let s = z.number();
  let words: string;
  if (range.above !== undefined) {
    s = s.gt(range.above);
    words = `a number above ${plain(range.above)} and at most ${plain(range.max)}`;
  } else {
    const min = range.min ?? 0;
    s = s.min(min);
    words = `a number from ${plain(min)} to ${plain(range.max)}`;
  }
  return leaf(s.max(range.max), words);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return leaf(z.enum(values), `one of ${values.join(", ")}`);
}

/** An endpoint URL with one of the given protocols; trailing slashes are dropped so paths can be appended. */
export function url(protocols: readonly string[], fallback: string) {
  const words = `${protocols.map((p) => `${p}://`).join(" or ")} URL, or null for ${fallback}`;
  const allowed = `${/^h/.test(words) ? "an" : "a"} ${words}`;
  const inner = z.string().transform((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} is not a URL; expected ${allowed}` });
      return z.NEVER;
    }
    if (!protocols.includes(u.protocol.slice(0, -1))) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(s)} has protocol ${u.protocol}; expected ${allowed}`,
      });
      return z.NEVER;
    }
    return s.replace(/\/+$/, "");
  });
  return leaf(inner.nullable(), allowed);
}

export const text = (allowed = "a text value") => leaf(z.string().min(1), allowed);

export const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9_.-]{0,49}$/;

/** An exchange symbol. Lower case is accepted and upper-cased (Binance's REST rejects lower case on spot). */
export const symbol = () =>
  leaf(
    z.string().transform((s, ctx) => {
      const up = s.trim().toUpperCase();
      if (!SYMBOL_PATTERN.test(up)) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(s)} is not a symbol; expected letters and digits like BTCUSDT`,
        });
        return z.NEVER;
      }
      return up;
    }),
    "a symbol like BTCUSDT",
  );

/** A kline interval, checked by parseInterval so the message is the same as on the command line. */
export const interval = () =>
  leaf(
    z.string().transform((s, ctx): Interval => {
      try {
        return parseInterval(s);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
        return z.NEVER;
      }
    }),
    `an interval (${INTERVALS.join(", ")})`,
  );

/** A list without repeats; a repeated entry is almost always a copy-paste slip worth pointing out. */
export function list<T extends z.ZodType>(item: T, allowed: string, opts: { min?: number } = {}) {
  const arr = z
    .array(item)
    .min(opts.min ?? 0)
    .superRefine((values, ctx) => {
      const seen = new Set<unknown>();
      values.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: "custom", path: [i], message: `${JSON.stringify(v)} is listed twice` });
        seen.add(v);
      });
    });
  return leaf(arr, allowed);
}

// ---------- sections ----------

export const EXCHANGE_NAMES = ["binance", "bybit", "coinbase"] as const;

export const exchangeSection = z.strictObject({
  name: oneOf(EXCHANGE_NAMES).default("binance"),
  use_futures: bool().default(true),
  rate_limit_per_minute: int(60, 1_000_000).default(1200),
  safety_margin: num({ min: 0, max: 0.5 }).default(0.1),
  rest_url: url(["http", "https"], "the exchange's standard endpoint").default(null),
  ws_url: url(["ws", "wss"], "the exchange's standard endpoint").default(null),
});

export const universeSection = z
  .strictObject({
    quote_asset: leaf(
      z
        .string()
        .transform((s) => s.trim().toUpperCase())
        .pipe(z.string().regex(/^[A-Z0-9]{2,12}$/)),
      "an asset code like USDT",
    ).default("USDT"),
    min_quote_volume_24h: num({ min: 0, max: 1e15 }).default(5_000_000),
    include: list(symbol(), "a list of symbols like [BTCUSDT, ETHUSDT]").default(() => []),
    exclude: list(symbol(), "a list of symbols like [USDCUSDT]").default(() => []),
    max_symbols: int(1, 5000).default(250),
  })
  .superRefine((u, ctx) => {
    if (u.include.length > u.max_symbols) {
      ctx.addIssue({
        code: "custom",
        path: ["max_symbols"],
        message: `${u.max_symbols} is less than the ${u.include.length} symbols in include; raise it or shorten include`,
      });
    }
    const excluded = new Set(u.exclude);
    u.include.forEach((s, i) => {
      if (excluded.has(s))
        ctx.addIssue({
          code: "custom",
          path: ["include", i],
          message: `${s} is in both include and exclude; remove it from one of them`,
        });
    });
  });

/** A change window: a whole number of minutes, hours, days or weeks, e.g. "4h" (price action's parseWindow). */
export const duration = () =>
  leaf(
    z.string().transform((s, ctx) => {
      const t = s.trim();
      const m = /^(\d+)([mhdw])$/.exec(t);
      if (!m || Number(m[1]) <= 0) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(s)} is not a duration; expected a whole number and m, h, d or w, like 4h or 7d`,
        });
        return z.NEVER;
      }
      return t;
    }),
    "a duration like 4h (a whole number and m, h, d or w)",
  );

/** Synthesis weights, 20 / 20 / 15 / 25 / 20 by default. They need not sum to 1: confidence is normalised by them. */
export const signalSynthesisSection = z
  .strictObject({
    weights: z
      .strictObject({
        price_action: num({ min: 0, max: 1 }).default(0.2),
        momentum: num({ min: 0, max: 1 }).default(0.2),
        volume: num({ min: 0, max: 1 }).default(0.15),
        sr: num({ min: 0, max: 1 }).default(0.25),
        learning: num({ min: 0, max: 1 }).default(0.2),
      })
      .prefault({}),
    min_confidence: num({ min: 0, max: 1 }).default(0.55),
    reward_risk: num({ above: 0, max: 20 }).default(2),
    max_stop_pct: num({ above: 0, max: 50 }).default(5),
    stop_atr_buffer: num({ min: 0, max: 10 }).default(0.5),
    cooldown_minutes: int(0, 30 * 24 * 60, "of minutes").default(240),
    zone_atr_distance: num({ min: 0, max: 10 }).default(1),
    zone_tolerance: num({ min: 0, max: 0.2 }).default(0.015),
    macd_cross_max_bars: int(0, 100, "of candles").default(3),
    breakout_max_bars: int(0, 100, "of candles").default(3),
    min_position_pct: num({ min: 0, max: 100 }).default(25),
    max_position_pct: num({ min: 0, max: 1000 }).default(100),
    position_pct_at_min_confidence: num({ min: 0, max: 1000 }).default(50),
    full_position_confidence: num({ min: 0, max: 1 }).default(0.8),
  })
  .superRefine((s, ctx) => {
    const w = s.weights;
    if (w.price_action + w.momentum + w.volume + w.sr <= 0) {
      ctx.addIssue({
        code: "custom",
        path: ["weights"],
        message: "price_action, momentum, volume and sr are all 0; at least one must weigh something",
      });
    }
    if (s.max_position_pct < s.min_position_pct) {
      ctx.addIssue({
        code: "custom",
        path: ["max_position_pct"],
        message: `${s.max_position_pct} is below min_position_pct (${s.min_position_pct})`,
      });
    }
  });

/** A fraction written as text, as a comma-separated environment variable delivers list items, becomes a number. */
function numericText(v: unknown): unknown {
  if (typeof v !== "string" || v.trim() === "") return v;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

/**
 * The paper broker's costs and trade management (src/learning/paper-broker-options.ts documents each rule).
 * taker_fee null means the market's VIP 0 taker fee, so switching exchange.use_futures keeps the fee right.
 */
export const paperTradingSection = z.strictObject({
  // 0.1 (10 %) per fill is far above any exchange's fee: a larger value is a percent typed as a fraction.
  taker_fee: leaf(
    z.number().min(0).max(0.1).nullable(),
    "a number from 0 to 0.1, or null for the market's taker fee",
  ).default(null),
  slippage: num({ min: 0, max: 0.1 }).default(0.0002),
  notional: num({ above: 0, max: 1e12 }).default(1000),
  // Not `list()`: equal fractions such as [0.5, 0.25, 0.25] are normal here, not a copy-paste slip.
  partials: leaf(
    z
      .array(leaf(z.preprocess(numericText, num({ min: 0, max: 1 })), "a fraction from 0 to 1"))
      .superRefine((p, ctx) => {
        if (p.length !== 3) {
          ctx.addIssue({
            code: "custom",
            message: `${JSON.stringify(p)} has ${p.length} fractions; expected three, for T1, T2 and T3, like [0.5, 0.25, 0.25]`,
          });
          return;
        }
        const sum = p.reduce((a, b) => a + b, 0);
        if (Math.abs(sum - 1) > 1e-9) {
          ctx.addIssue({
            code: "custom",
            message: `${JSON.stringify(p)} sums to ${sum}; the three fractions must sum to 1 (the whole position)`,
          });
        }
      }),
    "three fractions from 0 to 1 for T1, T2 and T3 that sum to 1, like [0.5, 0.25, 0.25]",
  ).default(() => [0.5, 0.25, 0.25]),
  breakeven_after_t1: bool().default(true),
  time_stop_hours: leaf(
    z.number().min(1).max(8760).nullable(),
    "a number of hours from 1 to 8760, or null for no time stop",
  ).default(null),
  max_open_per_symbol_direction: int(1, 1000).default(1),
  starting_equity: num({ above: 0, max: 1e15 }).default(10_000),
});

export const KNOWLEDGE_AREAS = [
  "order_flow",
  "price_action",
  "liquidity",
  "indicators",
  "support_resistance",
  "poc",
] as const;

const DAY_SECONDS = 86_400;

export const learningAgentSection = z.strictObject({
  enabled: bool().default(true),
  paper_trading: bool().default(true),
  update_interval: int(1, 30 * DAY_SECONDS, "of seconds").default(300),
  min_trades_before_learning: int(1, 1_000_000).default(20),
  knowledge_areas: list(oneOf(KNOWLEDGE_AREAS), `a list of areas (${KNOWLEDGE_AREAS.join(", ")})`).default(() => [
    ...KNOWLEDGE_AREAS,
  ]),
  auto_optimize: bool().default(true),
  optimization_interval: int(60, 365 * DAY_SECONDS, "of seconds").default(DAY_SECONDS),
  min_sample_size: int(1, 1_000_000).default(50),
});

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** The sections before the agents' and after them, in the order config.example.yaml documents them. */
const leadingSections = {
  exchange: exchangeSection.prefault({}),
  universe: universeSection.prefault({}),
};

const trailingSections = {
  signal_synthesis: signalSynthesisSection.prefault({}),
  paper_trading: paperTradingSection.prefault({}),
  learning_agent: learningAgentSection.prefault({}),
  data_dir: text("a folder path").default("./data"),
  output_dir: text("a folder path").default("./output"),
  report_interval: int(10, DAY_SECONDS, "of seconds").default(300),
  log_level: oneOf(LOG_LEVELS).default("warn"),
};

/** An agent's section as the schema holds it: absent from the file means all defaults. */
export type AgentSections = Readonly<Record<string, z.ZodType>>;

/**
 * The whole configuration schema: the program's own sections, and one section per analysis agent (each agent
 * declares its own; src/agents/registry.ts lists them), between universe and signal_synthesis.
 */
export function buildConfigSchema<S extends AgentSections>(agentSections: S) {
  const agents = Object.fromEntries(
    Object.entries(agentSections).map(([key, section]) => [key, (section as z.ZodObject).prefault({})]),
  ) as unknown as { [K in keyof S]: z.ZodPrefault<S[K]> };
  return z.strictObject({ ...leadingSections, ...agents, ...trailingSections });
}

/** A configuration schema, whichever agents it was built for. */
export type ConfigSchema = z.ZodObject;
