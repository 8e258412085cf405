/**
 * What a command gets to work with: its I/O, colours, the loaded configuration, and lazily created resources
 * (exchange client, candle store) that are closed when the command ends, whatever happened.
 */
import { join } from "node:path";
import type { AnyAgent } from "../agents/agent.js";
import { AGENTS } from "../agents/registry.js";
import { type Config, type DeepPartial, type LoadedConfig, loadConfigDetailed } from "../app/config.js";
import type { MachineTime } from "../core/clock.js";
import { type Logger, streamLogger } from "../core/log.js";
import type { Exchange, MarketType } from "../exchange/exchange.js";
import { createExchange } from "../exchange/create-exchange.js";
import { CandleStore } from "../market/candle-store.js";
import { openDatabase } from "../storage/database.js";
import { type Colors, colorEnabled, createColors, type OutStream } from "../ui/colors.js";

export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C; commands stop early and keep what they finished. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The analysis agents (default: the registry's). An embedding program or a test adds its own: they are analysed,
   * configured, reported and shown like the built-in ones.
   */
  readonly agents?: readonly AnyAgent[] | undefined;
  /**
   * The machine's clock and timers (default: the system's). The exchange's clock is measured against this clock and
   * live waits use these timers, so a bench can run `cma run` on a clock faster than real time.
   */
  readonly time?: MachineTime | undefined;
}

/** Options every command accepts (defined on the program, usable before or after the command name). */
export interface GlobalOptions {
  readonly config?: string;
  readonly exchange?: string;
  readonly futures?: boolean;
  readonly spot?: boolean;
  readonly restUrl?: string;
  readonly wsUrl?: string;
  readonly dataDir?: string;
  readonly outputDir?: string;
  readonly verbose?: boolean;
  /** False with --no-color. */
  readonly color?: boolean;
}

/** The candle database inside data_dir. */
export const CANDLE_DB_FILE = "candles.db";

export function candleDbPath(config: Config): string {
  return join(config.data_dir, CANDLE_DB_FILE);
}

/** Flag values as config overrides, and which flag set which key (for error messages). */
export function flagOverrides(g: GlobalOptions): { overrides: DeepPartial<Config>; flagNames: Record<string, string> } {
  const flagNames: Record<string, string> = {};
  const exchange: Record<string, unknown> = {};
  const top: Record<string, unknown> = {};
  const set = (target: Record<string, unknown>, key: string, path: string, flag: string, value: unknown) => {
    if (value === undefined) return;
    target[key] = value;
    flagNames[path] = flag;
  };
  set(exchange, "name", "exchange.name", "--exchange", g.exchange);
  if (g.futures) set(exchange, "use_futures", "exchange.use_futures", "--futures", true);
  if (g.spot) set(exchange, "use_futures", "exchange.use_futures", "--spot", false);
  set(exchange, "rest_url", "exchange.rest_url", "--rest-url", g.restUrl);
  set(exchange, "ws_url", "exchange.ws_url", "--ws-url", g.wsUrl);
  set(top, "data_dir", "data_dir", "--data-dir", g.dataDir);
  set(top, "output_dir", "output_dir", "--output-dir", g.outputDir);
  const overrides = { ...top, ...(Object.keys(exchange).length ? { exchange } : {}) } as DeepPartial<Config>;
  return { overrides, flagNames };
}

export class CommandContext {
  readonly io: CliIo;
  readonly globals: GlobalOptions;
  readonly signal: AbortSignal;
  /** Colours for stdout and stderr, decided separately (one may be a terminal, the other a pipe). */
  readonly colors: Colors;
  readonly errColors: Colors;
  /** Set by a command that stopped because it was asked to (signal) and finished cleanly: exit 0, not 130. */
  stoppedGracefully = false;
  #loaded: LoadedConfig | undefined;
  #logger: Logger | undefined;
  #exchange: Exchange | undefined;
  #store: CandleStore | undefined;
  readonly #cleanups: (() => void | Promise<void>)[] = [];

  constructor(io: CliIo, globals: GlobalOptions) {
    this.io = io;
    this.globals = globals;
    this.signal = io.signal ?? new AbortController().signal;
    const allowed = globals.color !== false;
    this.colors = createColors(allowed && colorEnabled(io.stdout, io.env));
    this.errColors = createColors(allowed && colorEnabled(io.stderr, io.env));
  }

  get loaded(): LoadedConfig {
    if (!this.#loaded) {
      const { overrides, flagNames } = flagOverrides(this.globals);
      this.#loaded = loadConfigDetailed({
        file: this.globals.config,
        env: this.io.env,
        overrides,
        flagNames,
        cwd: this.io.cwd,
        agents: this.io.agents,
      });
    }
    return this.#loaded;
  }

  get config(): Config {
    return this.loaded.config;
  }

  /** The analysis agents this program runs. */
  get agents(): readonly AnyAgent[] {
    return this.io.agents ?? AGENTS;
  }

  get market(): MarketType {
    return this.config.exchange.use_futures ? "futures" : "spot";
  }

  get logger(): Logger {
    this.#logger ??= streamLogger(this.config.log_level, (line) => this.io.stderr.write(line));
    return this.#logger;
  }

  /** The configured exchange client; closed when the command ends. */
  exchange(): Exchange {
    if (!this.#exchange) {
      const c = this.config.exchange;
      const ex = createExchange({
        name: c.name,
        market: this.market,
        maxWeightPerMinute: c.rate_limit_per_minute,
        safetyMargin: c.safety_margin,
        logger: this.logger,
        ...(this.io.time ? { clock: this.io.time.clock, sleep: this.io.time.sleep } : {}),
        ...(c.rest_url !== null ? { restUrl: c.rest_url } : {}),
        ...(c.ws_url !== null ? { wsUrl: c.ws_url } : {}),
      });
      this.#exchange = ex;
      this.onCleanup(() => ex.close());
    }
    return this.#exchange;
  }

  /**
   * The candle store under data_dir (created on first use unless `readonly`, which requires it to exist and never
   * changes it); closed when the command ends.
   */
  candleStore(opts: { readonly?: boolean } = {}): CandleStore {
    if (!this.#store) {
      const db = openDatabase(candleDbPath(this.config), { readonly: opts.readonly === true });
      this.onCleanup(() => {
        db.close();
      });
      this.#store = new CandleStore(db);
    }
    return this.#store;
  }

  onCleanup(fn: () => void | Promise<void>): void {
    this.#cleanups.push(fn);
  }

  /** Runs cleanups in reverse order; a failing cleanup does not stop the others. */
  async close(): Promise<void> {
    while (this.#cleanups.length) {
      const fn = this.#cleanups.pop() as () => void | Promise<void>;
      try {
        await fn();
      } catch (e) {
        this.io.stderr.write(`warning: cleanup failed: ${(e as Error).message}\n`);
      }
    }
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** Machine-readable output: one JSON document on stdout. */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Human notes (summaries, warnings) go to stderr so stdout stays clean for data. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}
