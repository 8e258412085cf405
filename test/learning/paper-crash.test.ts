/**
 * kill -9 in the middle of writing: every trade the writer reported as saved is in the database, intact, and the open
 * ones are still OPEN and can be resumed by a PaperBook.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/core/paths.js";
import { PaperBook } from "../../src/learning/paper-broker.js";
import { PaperTradeStore, tradeSteps } from "../../src/learning/paper-trade-store.js";
import { openDatabase } from "../../src/storage/database.js";
import { hourCandle, RUN, statesOf, T0 } from "./fixtures/paper-writer.js";

const TSX = pathToFileURL(join(PROJECT_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
const WRITER = join(PROJECT_ROOT, "test", "learning", "fixtures", "paper-writer.ts");

let dir: string;
let child: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cma-paper-crash-"));
});
afterEach(() => {
  // Only if a failed assertion left it running; the test kills it itself.
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts the writer, waits until it has reported `lines` commits, SIGKILLs it, and returns every line it printed
 * (lines printed after the kill signal was sent count too: each follows a commit).
 */
function writeThenKill(file: string, lines: number): Promise<{ saved: string[]; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ["--import", TSX, WRITER, file], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = c;
    let out = "";
    let err = "";
    let killed = false;
    c.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      if (!killed && out.split("\n").length > lines) {
        killed = true;
        c.kill("SIGKILL");
      }
    });
    c.stderr.on("data", (d: Buffer) => {
      err += d.toString("utf8");
    });
    c.on("error", reject);
    c.on("close", (_code, signal) => {
      if (!killed) {
        reject(new Error(`the writer stopped by itself before it was killed:\n${err}`));
        return;
      }
      // A line cut off by the kill has no newline yet: it does not count.
      const saved = out.split("\n").slice(0, -1);
      resolve({ saved, signal });
    });
  });
}

describe("paper trades survive kill -9", () => {
  it("keeps every reported save intact, and the open trades resume", async () => {
    const file = join(dir, "cma.db");
    // Create the schema first, so the child's first commits are trades rather than migrations.
    openDatabase(file).close();
    const { saved, signal } = await writeThenKill(file, 600);
    expect(signal).toBe("SIGKILL");
    expect(saved.length).toBeGreaterThanOrEqual(600);

    // The last status each id was reported with.
    const reported = new Map<string, string>();
    for (const line of saved) {
      const m = /^saved ([AB])-(\d+) (OPEN|CLOSED)$/.exec(line);
      expect(m, `unexpected line ${JSON.stringify(line)}`).not.toBeNull();
      reported.set(`${m?.[1]}-${m?.[2]}`, m?.[3] ?? "");
    }

    const db = openDatabase(file);
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      const store = new PaperTradeStore(db);
      for (const [id, status] of reported) {
        const i = Number(id.slice(2));
        const s = statesOf(i);
        const stored = store.get(RUN, id);
        if (id.startsWith("B")) {
          expect(stored).toEqual(s.bOpen.trade);
          expect(store.events(RUN, id)).toEqual([]);
        } else if (status === "CLOSED") {
          expect(stored).toEqual(s.aClosed.trade);
          expect(store.events(RUN, id).map((e) => e.event)).toEqual(s.aClosed.events);
        } else {
          // Reported OPEN only: the kill may have come between the closing commit and its line.
          expect([s.aOpen, s.aClosed.trade]).toContainEqual(stored);
        }
      }
      // Nothing beyond the reports except the one iteration in flight (its A and B at most).
      const all = store.all(RUN);
      expect(all.length - reported.size).toBeGreaterThanOrEqual(0);
      expect(all.length - reported.size).toBeLessThanOrEqual(2);

      // Resume: the open trades load into a book and carry on from where the writer stopped.
      const open = store.open(RUN);
      const reportedOpenB = [...reported].filter(([id]) => id.startsWith("B")).length;
      expect(open.length).toBeGreaterThanOrEqual(reportedOpenB);
      expect(open.every((t) => t.status === "OPEN")).toBe(true);
      const book = new PaperBook("1h", {}, open);
      // Every B trade has seen the T0 candle; the next one runs through all three targets and closes them.
      const step = book.onCandle("BTCUSDT", "1h", hourCandle(T0 + 3_600_000, 100.5, 125, 100, 121));
      expect(step.closed.length).toBe(open.length);
      store.saveMany(RUN, tradeSteps(step.updated, step.events));
      expect(store.open(RUN)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
