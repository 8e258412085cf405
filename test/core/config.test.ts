import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Config, defaultConfig, envVarName, loadConfig, loadConfigDetailed } from "../../src/app/config.js";
import { ConfigError } from "../../src/core/errors.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cma-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The problems of the ConfigError thrown by `f`, failing the test if it does not throw one. */
function problems(f: () => unknown): readonly string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

const load = (opts: Parameters<typeof loadConfig>[0] = {}) => loadConfig({ cwd: dir, env: {}, ...opts });

describe("defaults", () => {
  it("are the documented values, with paths resolved against cwd", () => {
    const c = load();
    expect(c).toEqual({
      exchange: {
        name: "binance",
        use_futures: true,
        rate_limit_per_minute: 1200,
        safety_margin: 0.1,
        rest_url: null,
        ws_url: null,
      },
      universe: { quote_asset: "USDT", min_quote_volume_24h: 5_000_000, include: [], exclude: [], max_symbols: 250 },
      sr_detector: {
        enabled: true,
        timeframes: ["1M", "1w", "3d", "1d", "4h", "1h"],
        lookback: 100,
        min_touches: 2,
        confluence_tolerance: 0.015,
      },
      price_action: {
        interval: "1h",
        change_windows: ["1h", "4h", "24h"],
        range_candles: 20,
        breakout_threshold: 0.1,
        breakout_threshold_unit: "atr",
        atr_period: 14,
        ema_period: 20,
      },
      momentum: {
        timeframes: ["15m", "1h", "4h"],
        rsi_period: 14,
        oversold: 30,
        overbought: 70,
        macd_fast: 12,
        macd_slow: 26,
        macd_signal: 9,
      },
      volume_spike: { baseline_candles: 20, spike_ratio: 2, spike_z: 2 },
      order_flow: { interval: "1h", window: 24 },
      volume_profile: { interval: "1h", window: 168, value_area: 0.7 },
      signal_synthesis: {
        weights: { price_action: 0.2, momentum: 0.2, volume: 0.15, sr: 0.25, learning: 0.2 },
        min_confidence: 0.55,
        reward_risk: 2,
        max_stop_pct: 5,
        stop_atr_buffer: 0.5,
        cooldown_minutes: 240,
        zone_atr_distance: 1,
        zone_tolerance: 0.015,
        macd_cross_max_bars: 3,
        breakout_max_bars: 3,
        min_position_pct: 25,
        max_position_pct: 100,
        position_pct_at_min_confidence: 50,
        full_position_confidence: 0.8,
      },
      paper_trading: {
        taker_fee: null,
        slippage: 0.0002,
        notional: 1000,
        partials: [0.5, 0.25, 0.25],
        breakeven_after_t1: true,
        time_stop_hours: null,
        max_open_per_symbol_direction: 1,
        starting_equity: 10_000,
      },
      learning_agent: {
        enabled: true,
        paper_trading: true,
        update_interval: 300,
        min_trades_before_learning: 20,
        knowledge_areas: ["order_flow", "price_action", "liquidity", "indicators", "support_resistance", "poc"],
        auto_optimize: true,
        optimization_interval: 86400,
        min_sample_size: 50,
      },
      data_dir: join(dir, "data"),
      output_dir: join(dir, "output"),
      report_interval: 300,
      log_level: "warn",
    } satisfies Config);
  });

  it("are frozen, and two loads never share a list", () => {
    const a = load();
    expect(Object.isFrozen(a.sr_detector.timeframes)).toBe(true);
    expect(() => (a.sr_detector.timeframes as string[]).push("1m")).toThrow(TypeError);
    expect(load().sr_detector.timeframes).toHaveLength(6);
  });

  it("ignore a cma.yaml in cwd when asked for defaults", () => {
    write("cma.yaml", "log_level: debug\n");
    expect(defaultConfig(dir).log_level).toBe("warn");
    expect(load().log_level).toBe("debug");
  });
});

describe("config file", () => {
  it("reads ./cma.yaml from cwd when present; values override defaults, other keys keep theirs", () => {
    write("cma.yaml", "exchange:\n  use_futures: false\nsr_detector:\n  timeframes: [1d, 4h]\n");
    const d = loadConfigDetailed({ cwd: dir, env: {} });
    expect(d.file).toBe(join(dir, "cma.yaml"));
    expect(d.config.exchange.use_futures).toBe(false);
    expect(d.config.exchange.name).toBe("binance");
    expect(d.config.sr_detector.timeframes).toEqual(["1d", "4h"]);
    expect(d.entries.find((e) => e.key === "exchange.use_futures")).toEqual({
      key: "exchange.use_futures",
      value: false,
      origin: "cma.yaml:2:3",
    });
    expect(d.entries.find((e) => e.key === "exchange.name")?.origin).toBe("default");
  });

  it("an empty file or one with only comments means defaults", () => {
    write("cma.yaml", "# nothing yet\n");
    expect(load()).toEqual(defaultConfig(dir));
  });

  it("resolves relative folders against the file's folder, ~/ against HOME", () => {
    mkdirSync(join(dir, "conf"));
    write("conf/my.yaml", "data_dir: ./store\noutput_dir: ~/reports\n");
    const c = loadConfig({ cwd: dir, env: { HOME: "/home/trader" }, file: "conf/my.yaml" });
    expect(c.data_dir).toBe(join(dir, "conf", "store"));
    expect(c.output_dir).toBe("/home/trader/reports");
  });

  it("normalises symbols and URLs", () => {
    write(
      "cma.yaml",
      "universe:\n  include: [btcusdt, ' ethusdt']\n  quote_asset: usdt\nexchange:\n  rest_url: http://127.0.0.1:9000/\n",
    );
    const c = load();
    expect(c.universe.include).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(c.universe.quote_asset).toBe("USDT");
    expect(c.exchange.rest_url).toBe("http://127.0.0.1:9000");
  });

  it("an explicit --config that does not exist is an error", () => {
    expect(problems(() => load({ file: "missing.yaml" }))).toEqual(["missing.yaml: file not found"]);
  });

  it("YAML syntax errors name the file, line and column", () => {
    write("cma.yaml", "exchange:\n  name: binance\n  name: bybit\n");
    expect(problems(() => load())).toEqual(["cma.yaml:3:3: YAML syntax error: Map keys must be unique"]);
    write("bad.yaml", "sr_detector:\n  timeframes: [1d, 4h\nlog_level: info\n");
    const p = problems(() => load({ file: "bad.yaml" }));
    expect(p[0]).toMatch(/^bad\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it("a list at the top level is rejected", () => {
    write("cma.yaml", "- exchange\n- binance\n");
    expect(problems(() => load())).toEqual([
      'cma.yaml: expected settings (key: value lines such as "exchange:") at the top level, found a list',
    ]);
  });
});

describe("environment", () => {
  it("CMA_SECTION__KEY sets a key, parsed as a YAML scalar", () => {
    const c = load({
      env: {
        CMA_EXCHANGE__USE_FUTURES: "false",
        CMA_EXCHANGE__RATE_LIMIT_PER_MINUTE: "2400",
        CMA_SR_DETECTOR__CONFLUENCE_TOLERANCE: "0.02",
        CMA_DATA_DIR: "/srv/cma",
        CMA_LOG_LEVEL: "debug",
        PATH: "/usr/bin",
      },
    });
    expect(c.exchange.use_futures).toBe(false);
    expect(c.exchange.rate_limit_per_minute).toBe(2400);
    expect(c.sr_detector.confluence_tolerance).toBe(0.02);
    expect(c.data_dir).toBe("/srv/cma");
    expect(c.log_level).toBe("debug");
  });

  it("lists as comma-separated text or YAML flow lists; empty means null, or [] for a list", () => {
    expect(load({ env: { CMA_UNIVERSE__INCLUDE: "" } }).universe.include).toEqual([]);
    expect(load({ env: { CMA_SR_DETECTOR__TIMEFRAMES: "1d, 4h" } }).sr_detector.timeframes).toEqual(["1d", "4h"]);
    expect(load({ env: { CMA_SR_DETECTOR__TIMEFRAMES: "[1w, 1d]" } }).sr_detector.timeframes).toEqual(["1w", "1d"]);
    write("cma.yaml", "exchange:\n  rest_url: http://127.0.0.1:1\n");
    expect(load({ env: { CMA_EXCHANGE__REST_URL: "" } }).exchange.rest_url).toBeNull();
  });

  it("every key has a variable named by the documented rule", () => {
    const entries = loadConfigDetailed({ cwd: dir, env: {} }).entries;
    expect(envVarName(["exchange", "use_futures"])).toBe("CMA_EXCHANGE__USE_FUTURES");
    for (const e of entries) {
      const name = envVarName(e.key.split("."));
      const value = Array.isArray(e.value) ? e.value.join(",") : e.value === null ? "" : String(e.value);
      const d = loadConfigDetailed({ cwd: dir, env: { [name]: value } });
      expect(d.entries.find((x) => x.key === e.key)?.origin).toBe(`env ${name}`);
    }
  });
});

describe("precedence: defaults < file < env < flags", () => {
  const flagNames = { "exchange.use_futures": "--spot" };
  it("each layer wins over the ones below it", () => {
    write("cma.yaml", "exchange:\n  use_futures: false\n  name: binance\nlog_level: warn\n");
    const env = { CMA_EXCHANGE__USE_FUTURES: "true", CMA_LOG_LEVEL: "error" };
    expect(load().exchange.use_futures).toBe(false);
    expect(load({ env }).exchange.use_futures).toBe(true);
    const d = loadConfigDetailed({ cwd: dir, env, overrides: { exchange: { use_futures: false } }, flagNames });
    expect(d.config.exchange.use_futures).toBe(false);
    expect(d.config.log_level).toBe("error");
    const origin = (k: string) => d.entries.find((e) => e.key === k)?.origin;
    expect(origin("exchange.use_futures")).toBe("flag --spot");
    expect(origin("log_level")).toBe("env CMA_LOG_LEVEL");
    expect(origin("exchange.name")).toBe("cma.yaml:3:3");
    expect(origin("report_interval")).toBe("default");
  });

  it("undefined overrides leave lower layers alone", () => {
    write("cma.yaml", "data_dir: /data/cma\n");
    expect(load({ overrides: { data_dir: undefined } }).data_dir).toBe("/data/cma");
  });
});

describe("validation: one line per problem, with key, value, what is allowed and where it came from", () => {
  it("unknown keys, with a suggestion", () => {
    write("cma.yaml", "exchange:\n  nmae: binance\ndatadir: ./x\nzzzzzz: 1\n");
    expect(problems(() => load())).toEqual([
      "exchange.nmae: unknown key (did you mean name?); exchange has name, use_futures, rate_limit_per_minute, safety_margin, rest_url, ws_url (cma.yaml:2:3)",
      "datadir: unknown key (did you mean data_dir?); the top level has exchange, universe, sr_detector, price_action, momentum, volume_spike, order_flow, volume_profile, signal_synthesis, paper_trading, learning_agent, data_dir, output_dir, report_interval, log_level (cma.yaml:3:1)",
      "zzzzzz: unknown key; the top level has exchange, universe, sr_detector, price_action, momentum, volume_spike, order_flow, volume_profile, signal_synthesis, paper_trading, learning_agent, data_dir, output_dir, report_interval, log_level (cma.yaml:4:1)",
    ]);
  });

  it("wrong types", () => {
    write("cma.yaml", "exchange:\n  use_futures: yes\nsr_detector: true\n");
    expect(problems(() => load())).toEqual([
      'exchange.use_futures: expected true or false, got "yes" (cma.yaml:2:3)',
      "sr_detector: expected a section with keys enabled, timeframes, lookback, min_touches, confluence_tolerance, got true (cma.yaml:3:1)",
    ]);
  });

  it("out-of-range values", () => {
    expect(
      problems(() =>
        load({
          env: {
            CMA_EXCHANGE__RATE_LIMIT_PER_MINUTE: "5",
            CMA_SR_DETECTOR__CONFLUENCE_TOLERANCE: "0",
            CMA_SR_DETECTOR__LOOKBACK: "99.5",
          },
        }),
      ),
    ).toEqual([
      "exchange.rate_limit_per_minute: 5 is out of range; expected a whole number from 60 to 1,000,000 (env CMA_EXCHANGE__RATE_LIMIT_PER_MINUTE)",
      "sr_detector.lookback: expected a whole number of candles from 11 to 5000, got 99.5 (env CMA_SR_DETECTOR__LOOKBACK)",
      "sr_detector.confluence_tolerance: 0 is out of range; expected a number above 0 and at most 0.2 (env CMA_SR_DETECTOR__CONFLUENCE_TOLERANCE)",
    ]);
  });

  it("values outside a fixed set, from a flag", () => {
    const p = problems(() =>
      load({ overrides: { exchange: { name: "kraken" as "binance" } }, flagNames: { "exchange.name": "--exchange" } }),
    );
    expect(p).toEqual([
      'exchange.name: "kraken" is not allowed; expected one of binance, bybit, coinbase (flag --exchange)',
    ]);
  });

  it("intervals are checked by parseInterval, pointing at the list item", () => {
    write("cma.yaml", "sr_detector:\n  timeframes: [1d, 4H]\n");
    expect(problems(() => load())).toEqual([
      'sr_detector.timeframes[1]: Unsupported interval "4H" (did you mean 4h?). Valid intervals: 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M. (cma.yaml:2:20)',
    ]);
  });

  it("lists: repeats, emptiness, bad items and contradictions", () => {
    write(
      "cma.yaml",
      "sr_detector:\n  timeframes: []\nlearning_agent:\n  knowledge_areas: [poc, poc]\nuniverse:\n  include: [BTCUSDT, BTC/USDT]\n",
    );
    expect(problems(() => load())).toEqual([
      'universe.include[1]: "BTC/USDT" is not a symbol; expected letters and digits like BTCUSDT (cma.yaml:6:22)',
      `sr_detector.timeframes: must not be empty; expected a list of intervals (1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M) (cma.yaml:2:3)`,
      'learning_agent.knowledge_areas[1]: "poc" is listed twice (cma.yaml:4:26)',
    ]);
    write("cma.yaml", "universe:\n  include: [BTCUSDT]\n  exclude: [btcusdt]\n");
    expect(problems(() => load())).toEqual([
      "universe.include[0]: BTCUSDT is in both include and exclude; remove it from one of them (cma.yaml:2:13)",
    ]);
  });

  it("agent sections: weighted S/R timeframes, ordered thresholds, durations", () => {
    write(
      "cma.yaml",
      [
        "sr_detector:",
        "  timeframes: [1d, 2h]",
        "price_action:",
        "  change_windows: [4h, 90s]",
        "momentum:",
        "  oversold: 40",
        "  overbought: 35",
        "  macd_fast: 26",
        "  macd_slow: 12",
        "",
      ].join("\n"),
    );
    expect(problems(() => load())).toEqual([
      "sr_detector.timeframes[1]: 2h has no S/R weight; use timeframes from 1M, 1w, 3d, 1d, 4h, 1h (cma.yaml:2:20)",
      'price_action.change_windows[1]: "90s" is not a duration; expected a whole number and m, h, d or w, like 4h or 7d (cma.yaml:4:24)',
      "momentum.overbought: 35 is not above oversold (40); overbought must be the higher RSI level (cma.yaml:7:3)",
      "momentum.macd_slow: 12 is not above macd_fast (26); the slow EMA must be the longer one (cma.yaml:9:3)",
    ]);
    write("cma.yaml", "price_action:\n  breakout_threshold: 2\n  breakout_threshold_unit: fraction\n");
    expect(problems(() => load())).toEqual([
      "price_action.breakout_threshold: 2 is a fraction of the price above 0.5 (50 %); with unit fraction use e.g. 0.002 for 0.2 % (cma.yaml:2:3)",
    ]);
  });

  it("URLs must use the right protocol", () => {
    expect(
      problems(() => load({ env: { CMA_EXCHANGE__REST_URL: "ws://127.0.0.1:1", CMA_EXCHANGE__WS_URL: "not a url" } })),
    ).toEqual([
      `exchange.rest_url: "ws://127.0.0.1:1" has protocol ws:; expected an http:// or https:// URL, or null for the exchange's standard endpoint (env CMA_EXCHANGE__REST_URL)`,
      `exchange.ws_url: "not a url" is not a URL; expected a ws:// or wss:// URL, or null for the exchange's standard endpoint (env CMA_EXCHANGE__WS_URL)`,
    ]);
  });

  it("unknown CMA_ variables name the variable; sections cannot be set whole", () => {
    expect(
      problems(() => load({ env: { CMA_EXCHANGE__USEFUTURES: "1", CMA_EXCHANGE: "binance", CMA_X: "1" } })),
    ).toEqual([
      "env CMA_EXCHANGE: exchange is a section; set its keys one by one, e.g. CMA_EXCHANGE__NAME",
      "env CMA_EXCHANGE__USEFUTURES: no such setting (did you mean CMA_EXCHANGE__USE_FUTURES?); setting names are CMA_ + the key path in capitals with __ between levels, e.g. CMA_EXCHANGE__USE_FUTURES",
      "env CMA_X: no such setting; setting names are CMA_ + the key path in capitals with __ between levels, e.g. CMA_EXCHANGE__USE_FUTURES",
    ]);
  });

  it("an environment value that is not valid YAML", () => {
    expect(problems(() => load({ env: { CMA_SR_DETECTOR__TIMEFRAMES: "[1d, 4h" } }))).toEqual([
      'env CMA_SR_DETECTOR__TIMEFRAMES: "[1d, 4h" is not a valid value (Flow sequence must end with a ])',
    ]);
  });

  it("reports every problem from every source at once, and the headline names the sources", () => {
    write("cma.yaml", "log_level: loud\n");
    let err: unknown;
    try {
      load({ env: { CMA_BOGUS: "1" }, overrides: { data_dir: "" }, flagNames: { data_dir: "--data-dir" } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.problems).toHaveLength(3);
    expect(e.message.split("\n")[0]).toBe("Invalid configuration (cma.yaml, environment, command line):");
    expect(e.problems).toContain(
      'log_level: "loud" is not allowed; expected one of debug, info, warn, error (cma.yaml:1:1)',
    );
    expect(e.problems).toContain("data_dir: must not be empty; expected a folder path (flag --data-dir)");
    expect(e.hint).toMatch(/config\.example\.yaml/);
  });
});
