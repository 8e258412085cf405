/**
 * The learning agent's memory between runs, beside the trades: small JSON values per run (the hypotheses under
 * test). A damaged value is a DataError naming the key, never a silent reset: a reset would let old trades test a
 * hypothesis they helped to propose.
 */
import type Database from "better-sqlite3";
import { DataError } from "../core/errors.js";
import { checkRun } from "./paper-trade-store.js";

export class LearningStateStore {
  readonly #get: Database.Statement;
  readonly #put: Database.Statement;

  constructor(readonly db: Database.Database) {
    this.#get = db.prepare("SELECT value FROM learning_state WHERE run = ? AND key = ?");
    this.#put = db.prepare(
      "INSERT INTO learning_state (run, key, value) VALUES (?, ?, ?) ON CONFLICT (run, key) DO UPDATE SET value = excluded.value",
    );
  }

  get<T>(run: string, key: string): T | undefined {
    checkRun(run);
    const row = this.#get.get(run, key) as { value: string } | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as T;
    } catch (e) {
      throw new DataError(`The learning state "${key}" of run ${run} in ${this.db.name} is not valid JSON.`, {
        hint: "Restore the database from a backup, or delete that row to start the learning state afresh.",
        cause: e,
      });
    }
  }

  put(run: string, key: string, value: unknown): void {
    checkRun(run);
    this.#put.run(run, key, JSON.stringify(value));
  }
}
