/**
 * Runs the real `cma` program in a child process (through tsx, from the sources), the way a user runs it.
 * Asynchronous on purpose: a fake exchange served by the test process must keep answering while the child runs.
 */
import { type ChildProcess, execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyAgent } from "../../src/agents/agent.js";
import { PROJECT_ROOT } from "../../src/core/paths.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { openDatabase } from "../../src/storage/database.js";
import { fillBundledHistory } from "../market/helpers.js";

const MAIN = join(PROJECT_ROOT, "src", "cli", "main.ts");
const TSX = pathToFileURL(join(PROJECT_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

export interface CmaResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCma {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  readonly done: Promise<CmaResult>;
}

export function startCma(
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): RunningCma {
  // A clean environment: no CMA_* settings or colour variables leak in from the machine running the tests.
  const env = { PATH: process.env.PATH ?? "", HOME: opts.cwd ?? PROJECT_ROOT, NO_COLOR: "1", ...opts.env };
  let err = "";
  let child: ChildProcess | undefined;
  const done = new Promise<CmaResult>((resolve) => {
    child = execFile(
      process.execPath,
      ["--import", TSX, MAIN, ...args],
      { cwd: opts.cwd ?? PROJECT_ROOT, env, maxBuffer: 64 * 1024 * 1024 },
      (e, stdout, stderr) => {
        const code = e ? (typeof e.code === "number" ? e.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stderr?.on("data", (d: Buffer | string) => {
      err += String(d);
    });
  });
  return { child: child as unknown as ChildProcess, stderr: () => err, done };
}

export function cma(
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CmaResult> {
  return startCma(args, opts).done;
}

/** The same program in this process, through the exported `run()`; stdout is a pipe (no TTY) unless `tty`. */
export async function runInProcess(
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string>; tty?: boolean; agents?: readonly AnyAgent[] } = {},
): Promise<CmaResult> {
  const { run } = await import("../../src/cli/main.js");
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: { isTTY: opts.tty ?? false, write: (s: string) => (stdout += s) },
    stderr: { isTTY: opts.tty ?? false, write: (s: string) => (stderr += s) },
    env: { NO_COLOR: "1", ...opts.env },
    cwd: opts.cwd ?? PROJECT_ROOT,
    agents: opts.agents,
  });
  return { code, stdout, stderr };
}

/**
 * A temporary folder whose `data/candles.db` holds the bundled spot 1h and 1d history of `symbols` closed before `until`
 * (for commands that work on stored history), and the arguments pointing a command at it.
 */
export function storedHistoryDir(prefix: string, symbols: readonly string[], until: number): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = openDatabase(join(dir, "data", "candles.db"));
  fillBundledHistory(new CandleStore(db), symbols, { until });
  db.close();
  return dir;
}

/** Spot, with the data and output folders of `dir`, then `more`. */
export const storedHistoryArgs = (dir: string, ...more: string[]): string[] => [
  "--spot",
  "--data-dir",
  join(dir, "data"),
  "--output-dir",
  join(dir, "out"),
  ...more,
];
