import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cma, runInProcess } from "./run-cma.js";

// Each test starts the real program in a child process (about a second of CPU each); generous on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cma-cli-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const NO_STACK = /\n\s+at /;

describe("help and version", () => {
  it("--help lists the commands and exits 0", async () => {
    const r = await cma(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: cma \[options\] \[command\]/);
    for (const c of ["markets", "candles", "download", "import", "doctor"]) expect(r.stdout).toContain(`\n  ${c} `);
    expect(r.stderr).toBe("");
  });

  it("a command's --help shows its options", async () => {
    const r = await cma(["download", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--from <date>");
    expect(r.stdout).toContain("--intervals <list>");
  });

  it("--version prints the package version", async () => {
    const r = await cma(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("no command: help on stderr, exit 2", async () => {
    const r = await cma([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: cma");
    expect(r.stderr.endsWith("error: no command given; pick one of the commands above\n")).toBe(true);
    expect(r.stdout).toBe("");
  });
});

describe("usage errors exit 2 with error/hint lines and no stack", () => {
  it("unknown option", async () => {
    const r = await cma(["candles", "BTCUSDT", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: unknown option '--bogus'\nhint: run "cma candles --help" for usage\n`);
  });

  it("unknown command, with a suggestion", async () => {
    const r = await cma(["candels"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: unknown command 'candels' (did you mean candles?)\nhint: run "cma --help" for usage\n`,
    );
  });

  it("missing argument", async () => {
    const r = await cma(["candles"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: missing required argument 'symbol'\nhint: run "cma candles --help" for usage\n`);
  });

  it("unsupported interval", async () => {
    const r = await cma(["candles", "BTCUSDT", "--interval", "4H"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: Unsupported interval "4H" (did you mean 4h?). Valid intervals: 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M.\n',
    );
  });

  it("bad dates and a reversed range", async () => {
    const bad = await cma(["download", "--symbols", "BTCUSDT", "--intervals", "1d", "--from", "2024-13-01"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: --from 2024-13-01 is not a date; use YYYY-MM-DD or an ISO time\n");
    const reversed = await cma(["download", "--symbols", "BTCUSDT", "--from", "2024-02-01", "--to", "2024-01-01"]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toBe("error: --from 2024-02-01 is after --to 2024-01-01\n");
  });

  it("conflicting flags", async () => {
    const r = await cma(["--futures", "--spot", "doctor"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe("error: option '--futures' cannot be used with option '--spot'");
  });

  it("bad --limit and --market values", async () => {
    const limit = await cma(["candles", "BTCUSDT", "--limit", "0"]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toBe("error: --limit 0 is not valid; use a whole number from 1 to 5000\n");
    const market = await cma(["import", "assets/candles", "--market", "options"]);
    expect(market.code).toBe(2);
    expect(market.stderr).toBe("error: --market options is not valid; use spot or futures\n");
  });

  it("a path that does not exist", async () => {
    const r = await cma(["import", "no/such/folder", "--data-dir", join(dir, "data")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: no/such/folder does not exist\n");
  });
});

describe("configuration errors exit 2, one line per problem, naming the source", () => {
  it("from ./cma.yaml", async () => {
    writeFileSync(join(dir, "cma.yaml"), "exchange:\n  use_futures: maybe\n  nmae: binance\n");
    const r = await cma(["doctor"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        "error: Invalid configuration (cma.yaml):",
        '  - exchange.use_futures: expected true or false, got "maybe" (cma.yaml:2:3)',
        "  - exchange.nmae: unknown key (did you mean name?); exchange has name, use_futures, rate_limit_per_minute, safety_margin, rest_url, ws_url (cma.yaml:3:3)",
        "hint: See config.example.yaml for every key, its default and its allowed values.",
        "",
      ].join("\n"),
    );
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it("YAML syntax errors give file, line and column", async () => {
    writeFileSync(join(dir, "broken.yaml"), "exchange:\n  name: [binance\n");
    const r = await cma(["--config", "broken.yaml", "doctor"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: Invalid configuration \(broken\.yaml\):\n {2}- broken\.yaml:\d+:\d+: YAML syntax error: /,
    );
  });

  it("from the environment and from flags", async () => {
    const r = await cma(["--rest-url", "ftp://example", "doctor"], {
      env: { CMA_EXCHANGE__USEFUTURES: "false" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "  - env CMA_EXCHANGE__USEFUTURES: no such setting (did you mean CMA_EXCHANGE__USE_FUTURES?);",
    );
    expect(r.stderr).toContain(
      `  - exchange.rest_url: "ftp://example" has protocol ftp:; expected an http:// or https:// URL, or null for the exchange's standard endpoint (flag --rest-url)`,
    );
    expect(r.stderr.split("\n")[0]).toBe("error: Invalid configuration (environment, command line):");
  });

  it("--config naming a missing file", async () => {
    const r = await cma(["--config", "nope.yaml", "doctor"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").slice(0, 2)).toEqual([
      "error: Invalid configuration (nope.yaml):",
      "  - nope.yaml: file not found",
    ]);
  });
});

describe("doctor", () => {
  it("shows each setting with its source", async () => {
    const r = await runInProcess(["--spot", "doctor", "--json", "--data-dir", join(dir, "empty")], {
      env: { CMA_LOG_LEVEL: "error" },
    });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { settings: { key: string; value: unknown; origin: string }[]; series: [] };
    const get = (k: string) => out.settings.find((s) => s.key === k);
    expect(get("exchange.use_futures")).toEqual({ key: "exchange.use_futures", value: false, origin: "flag --spot" });
    expect(get("log_level")).toEqual({ key: "log_level", value: "error", origin: "env CMA_LOG_LEVEL" });
    expect(get("data_dir")).toEqual({ key: "data_dir", value: join(dir, "empty"), origin: "flag --data-dir" });
    expect(get("sr_detector.lookback")?.origin).toBe("default");
    expect(out.series).toEqual([]);
  });
});
