/**
 * The one contract every analysis agent implements, and the one thing the rest of the program knows about agents.
 * An agent is a module exporting an AgentDefinition; src/agents/registry.ts lists them. The symbol analysis runs
 * them, the orchestrator times them one by one on the status board, the banner names them, `cma analyze` prints
 * what they publish, and the configuration schema takes each one's section — all by iterating the registry, so a
 * new agent is one module and one registry line (docs/adding-an-agent.md).
 *
 * The analysis itself is pure: `analyze(context, options)` sees only closed candles as of the context's now (and
 * the outputs of the agents it runs after) and returns plain JSON data, the fields it publishes on the analysis.
 */
import type { z } from "zod";
import type { Interval } from "../core/interval.js";
import type { CandleSeries } from "./candle-series.js";

/**
 * What an agent's output says, as a few named facts: categories (a state, a direction), flags and numbers. A signal
 * records every agent's evidence, so the knowledge base (and later the learned model and the dashboard) can relate
 * outcomes to what each agent saw, whether or not synthesis scored it. Keys are snake_case; null = no reading.
 */
export type AgentEvidence = Readonly<Record<string, string | number | boolean | null>>;

/** What the analysis records when part of it had too little history (`missing` in `cma analyze --json`). */
export interface MissingPart {
  readonly part: "timeframes" | "zones";
  readonly interval: Interval;
  readonly candles: number;
  readonly needed: number;
  readonly reason: string;
}

/** Settings of the whole analysis that agents may read (they are not any one agent's options). */
export interface AnalysisSettings {
  /** The timeframe price action and volume analyse (price_action.interval). */
  readonly baseInterval: Interval;
  /** Closed candles read per timeframe whose indicators are used (500). */
  readonly candles: number;
}

/** Program-wide settings an agent's options may take from outside its own config section. */
export interface SharedSettings {
  /** The universe's liquidity floor (universe.min_quote_volume_24h), the volume agent's too. */
  readonly minQuoteVolume24h: number;
}

/** One series an agent reads: the last `candles` closed candles of `interval`. */
export interface SeriesRead {
  readonly interval: Interval;
  readonly candles: number;
  /**
   * True when the agent reads indicators (RSI, MACD, ATR, EMA, volume average) on this series: it is then read from
   * its time-anchored start and its indicators are carried forward between analyses (indicators/streams.ts).
   */
  readonly indicators: boolean;
}

/** Fewer closed candles than this on `interval` and the symbol cannot be analysed at all (InsufficientDataError). */
export interface SeriesRequirement {
  readonly interval: Interval;
  readonly candles: number;
  /** The part that needs them, in the error: "the price-action and volume analysis". */
  readonly what: string;
}

export interface AgentContext {
  readonly symbol: string;
  /** The analysis instant (epoch ms): only candles closed by then are visible. */
  readonly now: number;
  /** The latest price: the forming candle of the finest interval read, else the latest close. */
  readonly price: number;
  readonly settings: AnalysisSettings;
  /** The window of closed candles of an interval the agent declared in `reads`. */
  series(interval: Interval): CandleSeries;
  /** The output of an agent listed in this agent's `after`. */
  // biome-ignore lint/suspicious/noExplicitAny: any agent's options
  outputOf<O extends object>(agent: AgentDefinition<any, O, string, any>): O;
  /** Records a part left out for lack of history. */
  missing(part: MissingPart): void;
  /** While screening (see AgentDefinition.screen): the screen of an agent listed in `after`. */
  // biome-ignore lint/suspicious/noExplicitAny: any agent's options
  screenOf<S extends object>(agent: AgentDefinition<any, any, string, any>): S;
}

/** The agent's config section: its key in the YAML file, its schema, and how its values become the agent's options. */
export interface AgentConfig<Options, Key extends string = string, Section extends z.ZodType = z.ZodType> {
  /** The snake_case key of the section, e.g. "order_flow". */
  readonly key: Key;
  readonly section: Section;
  /** Its keys holding an interval or a list of intervals: an interval the exchange refuses is traced to them. */
  readonly intervalKeys: readonly string[];
  fromConfig(section: z.output<Section>, shared: SharedSettings): Partial<Options>;
}

export interface AgentDefinition<
  Options = unknown,
  Output extends object = object,
  Key extends string = string,
  Section extends z.ZodType = z.ZodType,
> {
  /** Stable identifier, the key on the status board and in reports, e.g. "order-flow". */
  readonly name: string;
  /** Shown on the startup banner, e.g. "Order Flow Agent", with its icon. */
  readonly title: string;
  readonly icon: string;
  /** What it does, in a few words (status board and banner). */
  readonly role: string;
  /** The fields its output puts on the symbol analysis, e.g. ["orderFlow"]: no two agents publish the same. */
  readonly publishes: readonly (keyof Output & string)[];
  /** The key of its options in the symbol analysis options, e.g. "orderFlow". */
  readonly optionsKey: string;
  readonly config: AgentConfig<Options, Key, Section>;
  /** Defaults merged and every option checked: a UsageError naming the option before any analysis runs. */
  resolve(given: Partial<Options> | undefined): Options;
  /** The series it reads. */
  reads(options: Options, settings: AnalysisSettings): readonly SeriesRead[];
  /** History without which the symbol cannot be analysed. */
  requires?(options: Options, settings: AnalysisSettings): SeriesRequirement | null;
  /** Agents whose outputs it reads (they run first). */
  readonly after?: readonly AnyAgent[];
  /** The fields it publishes on the symbol analysis: plain JSON (no NaN, Infinity or undefined). */
  analyze(context: AgentContext, options: Options): Output;
  /** Why its output holds no result for this symbol (e.g. no taker volume in spot dumps), or null when it does. */
  unavailable(output: Output): string | null;
  /**
   * Its part in the exact pre-filter (screenSymbol, src/signals/screen.ts), which tells, cheaply, that no signal can
   * come out of an analysis so that it need not be made: "full" when `analyze` is cheap and synthesis needs its
   * output as it is (it then runs as usual); or a cheap function returning what bounds the agent's contribution
   * (the S/R detector's candidate bands, price action's strongest possible breakouts), which may read the screens
   * of the agents in `after` (context.screenOf). Without it, the agent does not run while screening: synthesis
   * must then be able to bound its part without it, or not read it at all.
   */
  readonly screen?: "full" | ((context: AgentContext, options: Options) => object);
  /** Its output as evidence (see AgentEvidence). Without it, the agent records none. */
  evidence?(output: Output): AgentEvidence;
  /**
   * Its output in a few readable lines for `cma analyze`, for an agent the text report has no section of its own
   * for (without it, its fields are printed as JSON).
   */
  describe?(output: Output): readonly string[];
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds agents of every options, output and section type
export type AnyAgent = AgentDefinition<any, any, string, any>;

/** The output type of an agent definition. */
// biome-ignore lint/suspicious/noExplicitAny: matches any options and section
export type OutputOf<A> = A extends AgentDefinition<any, infer O, string, any> ? O : never;
