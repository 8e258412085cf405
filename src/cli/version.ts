import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../core/paths.js";

/** The version in package.json ("unknown" if it cannot be read: the version must never stop the program). */
export function programVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
