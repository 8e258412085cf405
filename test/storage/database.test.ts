import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataError } from "../../src/core/errors.js";
import { APPLICATION_ID, openDatabase } from "../../src/storage/database.js";
import { MIGRATIONS, type Migration } from "../../src/storage/migrations.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cma-db-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function expectDataError(fn: () => unknown, ...parts: (string | RegExp)[]): DataError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DataError);
  const err = caught as DataError;
  for (const p of parts) expect(err.message).toMatch(p);
  expect(err.hint).toBeTruthy();
  return err;
}

describe("openDatabase", () => {
  it("creates missing folders, enables WAL, NORMAL sync, foreign keys and a busy timeout, and applies the schema", () => {
    const file = join(dir, "a", "b", "cma.db");
    const db = openDatabase(file);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma("application_id", { simple: true })).toBe(APPLICATION_ID);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      "candle_coverage",
      "candle_series",
      "candles",
      "learning_state",
      "paper_trade_events",
      "paper_trades",
    ]);
    db.close();
    // Reopening applies nothing twice.
    const again = openDatabase(file);
    expect(again.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it("applies migrations in order, each in its own transaction, and resumes after a failed one", () => {
    const file = join(dir, "m.db");
    const order: string[] = [];
    const ok = (name: string): Migration => ({
      name,
      up(db) {
        order.push(name);
        db.exec(`CREATE TABLE ${name} (x INTEGER)`);
      },
    });
    const failing: Migration = {
      name: "broken",
      up(db) {
        db.exec("CREATE TABLE half_done (x INTEGER)");
        throw new Error("boom");
      },
    };
    const err = expectDataError(
      () => openDatabase(file, { migrations: [ok("t1"), ok("t2"), failing] }),
      /schema version 3/,
      /broken/,
      /boom/,
    );
    expect(err.hint).toMatch(/rolled back/);
    const raw = new Database(file);
    expect(raw.pragma("user_version", { simple: true })).toBe(2);
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").pluck().all()).toEqual([
      "t1",
      "t2",
    ]);
    raw.close();
    const db = openDatabase(file, { migrations: [ok("t1"), ok("t2"), ok("t3")] });
    expect(db.pragma("user_version", { simple: true })).toBe(3);
    expect(order).toEqual(["t1", "t2", "t3"]);
    db.close();
  });

  it("refuses a database from a newer version without touching it", () => {
    const file = join(dir, "new.db");
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    raw.close();
    const before = readFileSync(file);
    expectDataError(
      () => openDatabase(file),
      file,
      /newer version of cma/,
      new RegExp(`understands up to ${MIGRATIONS.length}`),
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it("reports a file that is not a database by name and leaves it untouched", () => {
    const file = join(dir, "cma.db");
    const garbage = Buffer.from("this is my trading journal, not a database\n".repeat(200));
    writeFileSync(file, garbage);
    const err = expectDataError(() => openDatabase(file), file, /is not a SQLite database/);
    expect(err.hint).toMatch(/left untouched/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
    expect(readdirSync(dir)).toEqual(["cma.db"]); // no -wal/-shm/journal created
  });

  it("reports a damaged database (valid header, broken schema page) without overwriting it", () => {
    const file = join(dir, "cma.db");
    openDatabase(file).close();
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(4096);
    const broken = Buffer.from(bytes);
    broken.fill(0xa5, 100, 4096); // the sqlite_master page after the file header
    writeFileSync(file, broken);
    expectDataError(() => openDatabase(file), file, /damaged|not a SQLite database/);
    expect(readFileSync(file).equals(broken)).toBe(true);
  });

  it("reports a truncated header", () => {
    const file = join(dir, "cut.db");
    writeFileSync(file, Buffer.from("SQLite format 3\0abc", "latin1"));
    expectDataError(() => openDatabase(file), file, /damaged/);
  });

  it("refuses to add tables to another program's SQLite database", () => {
    const file = join(dir, "other.db");
    const raw = new Database(file);
    raw.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    raw.close();
    expectDataError(() => openDatabase(file), file, /another program/);
    const check = new Database(file);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type='table'").pluck().all()).toEqual(["notes"]);
    check.close();
  });

  it("names a folder given as the database path", () => {
    const folder = join(dir, "folder.db");
    mkdirSync(folder);
    expectDataError(() => openDatabase(folder), folder, /is a folder/);
  });

  it("opens read-only without creating anything, and says when the file is missing", () => {
    const missing = join(dir, "nope", "cma.db");
    expectDataError(() => openDatabase(missing, { readonly: true }), /does not exist/);
    expect(existsSync(join(dir, "nope"))).toBe(false);
    const file = join(dir, "ro.db");
    openDatabase(file).close();
    const ro = openDatabase(file, { readonly: true });
    expect(ro.readonly).toBe(true);
    expect(ro.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    ro.close();
  });

  it("lets two connections open the same database (the second migrates nothing)", () => {
    const file = join(dir, "two.db");
    const a = openDatabase(file);
    const b = openDatabase(file);
    a.prepare(
      "INSERT INTO candle_series (exchange, market, symbol, interval) VALUES ('binance','spot','X','1h')",
    ).run();
    expect(b.prepare("SELECT count(*) FROM candle_series").pluck().get()).toBe(1);
    a.close();
    b.close();
  });
});
