/**
 * Terminal colours, decided once per output stream and passed around; nothing reads a global colour setting.
 * picocolors' default export is not used: it switches colours on whenever `CI` is set, even into a pipe.
 */
import picocolors from "picocolors";

export type Colors = ReturnType<typeof picocolors.createColors>;

/** What the UI writes to: process.stdout/stderr or a buffer in tests. */
export interface OutStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

/**
 * Colour is on when FORCE_COLOR is set to anything but 0/false, or when the stream is a terminal, NO_COLOR is unset
 * or empty (no-color.org) and TERM is not "dumb". `--no-color` is applied by the caller before this.
 */
export function colorEnabled(
  stream: Pick<OutStream, "isTTY">,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === "0" || force.toLowerCase() === "false") return false;
    return true;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

export function createColors(enabled: boolean): Colors {
  return picocolors.createColors(enabled);
}

/** Colours that do nothing: for tests and machine-readable output. */
export const noColors: Colors = picocolors.createColors(false);

/** Removes ANSI escape sequences (colour, cursor movement). */
export function stripAnsi(s: string): string {
  return s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}
