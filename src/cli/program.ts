/**
 * The commander program: global options, error style and exit codes. Commands live one per file in ./commands and
 * attach themselves through `defineAction`, which hands them a CommandContext and closes it afterwards.
 */
import { Command, Option } from "commander";
import { type CliIo, CommandContext, type GlobalOptions } from "./context.js";
import { programVersion } from "./version.js";

/** A command's body: gets its positional arguments, its own options and the context; returns an exit code. */
export type CommandBody<O> = (ctx: CommandContext, opts: O, args: string[]) => Promise<number | undefined>;

export interface CommandRegistration {
  /** Adds the command (name, arguments, options, help) to the program and binds its body with `defineAction`. */
  register(program: Command, bind: ActionBinder): void;
}

export type ActionBinder = <O>(body: CommandBody<O>) => (...args: unknown[]) => Promise<void>;

/** Carries a command's exit code out of commander's action callback. */
export interface RunState {
  exitCode: number;
  /** The command whose parsing failed, for the "see --help" hint. */
  command: string;
  /** The command treats Ctrl-C / SIGTERM as its normal way to stop (`cma run`): exit with its code, not 130. */
  stoppedGracefully?: boolean;
}

export function buildProgram(io: CliIo, commands: readonly CommandRegistration[], state: RunState): Command {
  const program = new Command("cma");
  program
    .description(
      "crypto-market-agents: watches Binance markets, finds setups at higher-timeframe support/resistance, " +
        "paper-trades them and learns.",
    )
    .version(programVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("-c, --config <file>", "config file (default: ./cma.yaml if it exists)")
    .option("--exchange <name>", "exchange: binance (bybit, coinbase planned)")
    .addOption(new Option("--futures", "use USDT-margined perpetual futures").conflicts("spot"))
    .addOption(new Option("--spot", "use the spot market").conflicts("futures"))
    .option("--rest-url <url>", "REST endpoint (testnet, regional or local test server)")
    .option("--ws-url <url>", "WebSocket endpoint")
    .option("--data-dir <dir>", "folder for the candle database and paper trades")
    .option("--output-dir <dir>", "folder for reports and exports")
    .option("-v, --verbose", "on errors, show the cause chain and stack")
    .option("--no-color", "no colours in output (also: NO_COLOR=1)")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander's own errors are rethrown by exitOverride and printed by run() in the CLI's error style.
      outputError: () => {},
    })
    .addHelpText(
      "after",
      "\nSettings: defaults < config file < CMA_* environment variables < flags. See config.example.yaml.\n" +
        "Exit codes: 0 ok, 1 failure, 2 bad usage or configuration, 130 interrupted.",
    );
  program.hook("preSubcommand", (_cmd, sub) => {
    state.command = sub.name();
  });

  const bind: ActionBinder =
    <O>(body: CommandBody<O>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts = args[args.length - 2] as O;
      const positionals = args.slice(0, -2).flatMap((a) => (Array.isArray(a) ? (a as string[]) : [a as string]));
      const ctx = new CommandContext(io, cmd.optsWithGlobals<GlobalOptions>());
      try {
        state.exitCode = (await body(ctx, opts, positionals)) ?? 0;
        state.stoppedGracefully = ctx.stoppedGracefully;
      } finally {
        await ctx.close();
      }
    };

  for (const c of commands) c.register(program, bind);
  return program;
}
