/**
 * Opens (creating if needed) the project's SQLite database and brings its schema up to date.
 * Every failure a user can meet becomes a DataError that names the file, says what is wrong and how to fix it;
 * nothing here ever deletes, truncates or overwrites a file it could not use.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { DataError } from "../core/errors.js";
import { MIGRATIONS, type Migration } from "./migrations.js";

/** Marks databases written by this project ("CMA1"), so a SQLite file of another program is never migrated. */
export const APPLICATION_ID = 0x434d4131;

const SQLITE_HEADER = "SQLite format 3\0";
const BUSY_TIMEOUT_MS = 5000;

export interface OpenDatabaseOptions {
  /** Open without creating or migrating; fails if the file does not exist. */
  readonly readonly?: boolean;
  /** The schema to apply; the project's own list by default (tests pass shorter or longer lists). */
  readonly migrations?: readonly Migration[];
}

const KEEP_HINT =
  "The file was left untouched. Move it aside (or point the data folder elsewhere) and cma will create a fresh database; restore it from a backup to keep its history.";

/** Turns SQLite's "not a database"/"corrupt"/"cannot open" failures into a DataError about `file`. */
export function databaseError(file: string, err: unknown, doing: string): Error {
  const code = (err as { code?: unknown }).code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === "SQLITE_NOTADB") {
    return new DataError(`${file} is not a SQLite database (SQLite says: ${msg}) while ${doing}.`, {
      hint: KEEP_HINT,
      cause: err,
    });
  }
  if (code === "SQLITE_CORRUPT" || (typeof code === "string" && code.startsWith("SQLITE_CORRUPT"))) {
    return new DataError(`The database ${file} is damaged (SQLite says: ${msg}) while ${doing}.`, {
      hint: `${KEEP_HINT} The sqlite3 tool's ".recover" command can often rescue most of the data.`,
      cause: err,
    });
  }
  if (code === "SQLITE_CANTOPEN" || code === "SQLITE_PERM" || code === "SQLITE_READONLY") {
    return new DataError(`Cannot open the database ${file} for writing (SQLite says: ${msg}) while ${doing}.`, {
      hint: "Check that the folder exists and that you may write to it and to the file.",
      cause: err,
    });
  }
  if (
    code === "SQLITE_FULL" ||
    code === "SQLITE_IOERR" ||
    (typeof code === "string" && code.startsWith("SQLITE_IOERR"))
  ) {
    return new DataError(`Disk error on the database ${file} (SQLite says: ${msg}) while ${doing}.`, {
      hint: "Check free disk space and the disk's health; no data was overwritten.",
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(msg);
}

/** Reads the first bytes without opening the file through SQLite, so a foreign file gets a clear message. */
function checkHeader(file: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new DataError(`Cannot inspect ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: "Check the path and its permissions.",
      cause: e,
    });
  }
  if (st.isDirectory()) {
    throw new DataError(`${file} is a folder, expected a database file.`, {
      hint: "Give the path of a file inside that folder, e.g. its cma.db.",
    });
  }
  if (st.size === 0) return; // SQLite treats an empty file as an empty database.
  const buf = Buffer.alloc(100);
  let n: number;
  try {
    const fd = openSync(file, "r");
    try {
      n = readSync(fd, buf, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new DataError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: "Check that you may read and write the file.",
      cause: e,
    });
  }
  const head = buf.subarray(0, Math.min(n, 16)).toString("latin1");
  if (head !== SQLITE_HEADER) {
    const shown = JSON.stringify(
      buf
        .subarray(0, Math.min(n, 16))
        .toString("latin1")
        .replace(/[^\x20-\x7e]/g, "."),
    );
    throw new DataError(`${file} is not a SQLite database (it starts with ${shown}, not "SQLite format 3").`, {
      hint: KEEP_HINT,
    });
  }
  if (n < 100) {
    throw new DataError(`The database ${file} is damaged: it is only ${st.size} bytes, shorter than a SQLite header.`, {
      hint: KEEP_HINT,
    });
  }
}

/**
 * Opens `file` with WAL journaling (readers never block the writer), synchronous=NORMAL (durable across process
 * crashes; a power cut can lose at most the last transactions, never corrupt), foreign keys on and a busy timeout so a
 * second cma process waits instead of failing. Applies pending migrations, each in its own transaction.
 */
export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Database.Database {
  const path = resolve(file);
  const migrations = opts.migrations ?? MIGRATIONS;
  if (!opts.readonly) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw new DataError(
        `Cannot create the folder ${dirname(path)} for the database: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        { hint: "Check the path and that you may write there.", cause: e },
      );
    }
  }
  if (opts.readonly && !existsSync(path)) {
    throw new DataError(`The database ${path} does not exist.`, {
      hint: "Run a command that creates it first (e.g. `cma sync`), or check the data folder.",
    });
  }
  checkHeader(path);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: Boolean(opts.readonly), fileMustExist: Boolean(opts.readonly) });
  } catch (e) {
    throw databaseError(path, e, "opening it");
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!opts.readonly) db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db, path, migrations, Boolean(opts.readonly));
  } catch (e) {
    db.close();
    throw e instanceof DataError ? e : databaseError(path, e, "reading its schema");
  }
  return db;
}

function userVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

function migrate(db: Database.Database, file: string, migrations: readonly Migration[], readonly: boolean): void {
  const known = migrations.length;
  const check = (version: number): void => {
    if (version > known) {
      throw new DataError(
        `The database ${file} has schema version ${version}, written by a newer version of cma; this version understands up to ${known}.`,
        { hint: "Upgrade cma, or use a different data folder with this version. The file was left untouched." },
      );
    }
    if (version === 0) {
      const appId = db.pragma("application_id", { simple: true }) as number;
      const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number;
      if (tables > 0 && appId !== APPLICATION_ID) {
        throw new DataError(`${file} is a SQLite database of another program (it has tables but no cma schema).`, {
          hint: "Give cma a path of its own; it will not add tables to another program's database.",
        });
      }
    }
  };
  if (readonly) {
    check(userVersion(db));
    if (userVersion(db) < known) {
      throw new DataError(
        `The database ${file} has schema version ${userVersion(db)}; this version of cma needs ${known}.`,
        { hint: "Open it once without read-only mode (any cma command that writes) to upgrade it." },
      );
    }
    return;
  }
  for (;;) {
    // IMMEDIATE takes the write lock before reading the version, so two processes never run the same migration.
    const done = db
      .transaction((): boolean => {
        const version = userVersion(db);
        check(version);
        if (version >= known) return true;
        const m = migrations[version] as Migration;
        try {
          if (version === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
          m.up(db);
        } catch (e) {
          const wrapped = databaseError(file, e, `upgrading it to schema version ${version + 1}`);
          if (wrapped instanceof DataError) throw wrapped;
          throw new DataError(
            `Could not upgrade the database ${file} to schema version ${version + 1} (${m.name}): ${(e as Error).message}`,
            { hint: "The upgrade was rolled back and the file is unchanged. Please report this as a bug.", cause: e },
          );
        }
        db.pragma(`user_version = ${version + 1}`);
        return false;
      })
      .immediate();
    if (done) return;
  }
}
