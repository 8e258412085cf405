/**
 * `cma` entry point. `run()` is the whole program as a function (argv in, exit code out) so it can be driven from
 * tests and embedding code; executed directly it wires up the real process: stdio, environment, Ctrl-C.
 */
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CommanderError } from "commander";
import { UsageError } from "../core/errors.js";
import { PROJECT_ROOT } from "../core/paths.js";
import { colorEnabled, createColors } from "../ui/colors.js";
import { COMMANDS } from "./commands/index.js";
import type { CliIo } from "./context.js";
import { buildProgram, type RunState } from "./program.js";
import { EXIT, isAbort, reportError } from "./report-error.js";

export type { CliIo } from "./context.js";

const defaultIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

/** Runs `cma` with `argv` (the arguments after the program name) and returns the exit code. */
export async function run(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const state: RunState = { exitCode: EXIT.ok, command: "" };
  const verbose = argv.includes("--verbose") || argv.includes("-v");
  const colors = createColors(!argv.includes("--no-color") && colorEnabled(io.stderr, io.env));
  const program = buildProgram(io, COMMANDS, state);
  try {
    await program.parseAsync([...argv], { from: "user" });
    if (io.signal?.aborted && !state.stoppedGracefully) return EXIT.interrupted;
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err, io, colors, state);
    // After Ctrl-C, whatever failed (an aborted request, often wrapped) failed because of it.
    if (io.signal?.aborted) {
      io.stderr.write(`${colors.yellow("interrupted")}\n`);
      if (verbose && !isAbort(err)) reportError(err, io.stderr, colors, true);
      return EXIT.interrupted;
    }
    return reportError(err, io.stderr, colors, verbose);
  }
}

/** Commander's parse errors, reworded into the CLI's style: `error:` line, `hint:` line, exit code 2. */
function commanderExit(
  err: CommanderError,
  io: CliIo,
  colors: ReturnType<typeof createColors>,
  state: RunState,
): number {
  if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT.ok;
  if (err.code === "commander.executeSubCommandAsync") return err.exitCode;
  const where = state.command ? `cma ${state.command} --help` : "cma --help";
  if (err.code === "commander.help") {
    // `cma` with no command: commander has printed the help to stderr; say what is wrong below it.
    io.stderr.write(`${colors.red(colors.bold("error:"))} no command given; pick one of the commands above\n`);
    return EXIT.usage;
  }
  const message = err.message
    .replace(/^error: /, "")
    .replace(/\n\(Did you mean (.+)\?\)$/s, " (did you mean $1?)")
    .replace(/\s*\n\s*/g, " ");
  return reportError(new UsageError(message, { hint: `run "${where}" for usage` }), io.stderr, colors, false);
}

/** Executed as a script (`node dist/cli/main.js`, `tsx src/cli/main.ts`) or through bin/cma, which imports it. */
function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    const real = realpathSync(entry);
    return real === realpathSync(fileURLToPath(import.meta.url)) || real === join(PROJECT_ROOT, "bin", "cma");
  } catch {
    return false;
  }
}

/**
 * The real process: Ctrl-C or SIGTERM aborts the running command (it stops taking work, saves what it has, closes
 * its connections); a second signal exits at once.
 */
async function main(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    const again = name === "SIGINT" ? "press Ctrl-C again" : `send ${name} again`;
    process.stderr.write(`\nstopping… (${again} to quit at once)\n`);
    controller.abort(new DOMException("Interrupted", "AbortError"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const code = await run(process.argv.slice(2), { ...defaultIo(), signal: controller.signal });
  process.exitCode = code;
}

if (isMain()) await main();
