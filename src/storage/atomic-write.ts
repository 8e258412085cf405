/**
 * Crash-safe file replacement: the data goes to a temporary file in the same folder, is flushed to disk, and is then
 * renamed over the target (an atomic operation on every local file system). A crash at any moment leaves either the
 * complete old file or the complete new one, never a mix. The folder is flushed too where the OS allows it, so the
 * rename itself survives a power cut.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  chmodSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { DataError } from "../core/errors.js";

let counter = 0;

const TEMP_RE = /^\.(.+)\.tmp-(\d+)-\d+$/;

function tempName(target: string): string {
  counter = (counter + 1) % 1_000_000_000;
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${counter}`);
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes temporary files of `target` left behind by a process that crashed mid-write. */
function removeStaleTemps(target: string): void {
  const dir = dirname(target);
  const base = basename(target);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_RE.exec(name);
    if (!m || m[1] !== base || processAlive(Number(m[2]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Another process may have removed it first.
    }
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Windows cannot open or flush a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Replaces `path` with `data` atomically (see the module comment). Creates missing folders. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const target = resolve(path);
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new DataError(
      `Cannot create the folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        hint: "Check the path and that you may write there.",
        cause: e,
      },
    );
  }
  removeStaleTemps(target);
  let mode: number | undefined;
  try {
    const st = statSync(target);
    if (st.isDirectory()) {
      throw new DataError(`Cannot write ${target}: it is a folder.`, { hint: "Choose a file name instead." });
    }
    mode = st.mode & 0o7777;
  } catch (e) {
    if (e instanceof DataError) throw e;
    // ENOENT: a new file.
  }
  const tmp = tempName(target);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", mode ?? 0o666);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (mode !== undefined) chmodSync(tmp, mode); // openSync's mode is filtered by the umask
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error matters
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // it may never have been created
    }
    throw new DataError(`Could not write ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: "The previous version of the file (if any) is unchanged. Check free disk space and permissions.",
      cause: e,
    });
  }
  fsyncDir(dir);
}

/** Writes `value` as indented JSON (with a final newline) atomically. Fails before touching the disk if `value`
 *  cannot be represented (BigInt, cycles) or contains a non-finite number, which JSON would silently turn into null. */
export function writeJsonAtomic(path: string, value: unknown): void {
  let text: string;
  try {
    text = JSON.stringify(
      value,
      (key, v) => {
        if (typeof v === "number" && !Number.isFinite(v)) {
          throw new TypeError(`${key === "" ? "the value" : `key "${key}"`} is ${v}, which JSON cannot hold`);
        }
        return v;
      },
      2,
    );
  } catch (e) {
    throw new DataError(`Could not write ${resolve(path)}: ${(e as Error).message}`, {
      hint: "Nothing was written; the previous file (if any) is unchanged.",
      cause: e,
    });
  }
  if (text === undefined) {
    throw new DataError(`Could not write ${resolve(path)}: the value has no JSON form.`, {
      hint: "Nothing was written; pass an object, array, string, number or boolean.",
    });
  }
  writeFileAtomic(path, `${text}\n`);
}
