/**
 * The CLI's last line of defence: every failure becomes `error: …` (+ `hint: …`) on stderr and an exit code.
 * Known errors (CmaError) never show a stack; anything else is a bug and says so, with the stack.
 */
import {
  CmaError,
  ConfigError,
  describeError,
  InvalidIntervalError,
  UnknownSymbolError,
  UsageError,
} from "../core/errors.js";
import type { Colors, OutStream } from "../ui/colors.js";

export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Wrong input a person has to retype is a usage error (2); everything else that went wrong at run time is 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError) return EXIT.usage;
  if (err instanceof UnknownSymbolError || err instanceof InvalidIntervalError) return EXIT.usage;
  return EXIT.failure;
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || (err as { code?: unknown }).code === "ABORT_ERR");
}

export function reportError(err: unknown, stderr: OutStream, colors: Colors, verbose: boolean): number {
  const { message, hint } = describeError(err);
  const known = err instanceof CmaError;
  stderr.write(`${colors.red(colors.bold("error:"))} ${message}\n`);
  if (hint) stderr.write(`${colors.yellow("hint:")} ${hint}\n`);
  if (!known) {
    stderr.write(
      `${colors.red("this is a bug")} in cma; please report it with the command you ran and the output below.\n`,
    );
  }
  if (!known || verbose) {
    if (err instanceof Error && err.stack) stderr.write(`${colors.dim(err.stack)}\n`);
    writeCauses(err, stderr, colors, !known || verbose);
  }
  return exitCodeFor(err);
}

function writeCauses(err: unknown, stderr: OutStream, colors: Colors, stacks: boolean): void {
  let cause = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 10; depth++) {
    const { message } = describeError(cause);
    stderr.write(`${colors.dim("caused by:")} ${message}\n`);
    if (stacks && cause instanceof Error && cause.stack && !(cause instanceof CmaError)) {
      stderr.write(`${colors.dim(cause.stack)}\n`);
    }
    cause = cause instanceof Error ? cause.cause : undefined;
  }
}
