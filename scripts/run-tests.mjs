#!/usr/bin/env node
// Runs the vitest suite and prints the one line CI reads: "N passed, N failed" (", N skipped" when any were skipped).
// Extra arguments go to vitest (e.g. `npm test -- test/core`).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const out = join(process.cwd(), ".vitest-results.json");
rmSync(out, { force: true });
const vitest = join(process.cwd(), "node_modules", "vitest", "vitest.mjs");
const r = spawnSync(
  process.execPath,
  [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
if (!existsSync(out)) {
  console.error("The test runner wrote no results file; see its output above.");
  console.log("0 passed, 1 failed");
  process.exit(r.status || 1);
}
const res = JSON.parse(readFileSync(out, "utf8"));
const skipped = (res.numPendingTests ?? 0) + (res.numTodoTests ?? 0);
// A suite that failed to load counts as a failure even though it ran no test.
const failedSuites = (res.testResults ?? []).filter(
  (s) => s.status === "failed" && (s.assertionResults ?? []).length === 0,
).length;
const failed = res.numFailedTests + failedSuites;
console.log(`${res.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || r.status ? 1 : 0);
