/**
 * A minimal structured logger. Library code takes a Logger (default silent) instead of printing, so the CLI decides
 * what reaches the terminal and tests can assert on what was logged.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const silentLogger: Logger = { log() {} };

/** Writes `LEVEL message key=value …` lines to a stream (stderr by default) at or above `level`. */
export function streamLogger(
  level: LogLevel = "info",
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  return {
    log(l, message, fields) {
      if (RANK[l] < RANK[level]) return;
      const extra = fields
        ? Object.entries(fields)
            .map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join("")
        : "";
      write(`${l.toUpperCase().padEnd(5)} ${message}${extra}\n`);
    },
  };
}

/** Collects entries in memory; for tests and for status reports. */
export class MemoryLogger implements Logger {
  readonly entries: { level: LogLevel; message: string; fields: LogFields | undefined }[] = [];
  log(level: LogLevel, message: string, fields?: LogFields): void {
    this.entries.push({ level, message, fields });
  }
}
