/**
 * A small, strict ZIP reader (enough for data.binance.vision archives): finds the end-of-central-directory record,
 * walks the central directory (whose sizes are authoritative even when entries use data descriptors), and inflates
 * stored (method 0) or deflated (method 8) entries with node:zlib, checking each entry's CRC-32.
 * ZIP64, encryption and other methods are reported as unsupported rather than misread.
 */
import * as zlib from "node:zlib";
import { DataError } from "../core/errors.js";

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the entry's local header. */
  readonly offset: number;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as ZIP uses it; node:zlib's native one where present (Node >= 20.15). */
export function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (CRC_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function damaged(file: string, what: string): DataError {
  return new DataError(`${file} is not a valid zip archive: ${what}.`, {
    hint: "The download may be incomplete; download the file again (data.binance.vision also publishes a .CHECKSUM).",
  });
}

/** Lists the entries of a zip archive held in memory. */
export function zipEntries(buf: Uint8Array, file = "<zip>"): ZipEntry[] {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.length < 22) throw damaged(file, `only ${view.length} bytes`);
  // The EOCD record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  let eocd = -1;
  for (let i = view.length - 22; i >= Math.max(0, view.length - 22 - 0xffff); i--) {
    if (view.readUInt32LE(i) === EOCD_SIG && i + 22 + view.readUInt16LE(i + 20) === view.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw damaged(file, "no end-of-central-directory record (the file is truncated or not a zip)");
  const count = view.readUInt16LE(eocd + 10);
  const cdSize = view.readUInt32LE(eocd + 12);
  const cdOffset = view.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new DataError(`${file} is a ZIP64 archive, which is not supported.`, {
      hint: "Unpack it with any zip tool and import the .csv inside.",
    });
  }
  if (cdOffset + cdSize > eocd) throw damaged(file, "the central directory lies outside the file");
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || view.readUInt32LE(p) !== CEN_SIG)
      throw damaged(file, `central directory entry ${n + 1} is broken`);
    const flags = view.readUInt16LE(p + 8);
    const method = view.readUInt16LE(p + 10);
    const crc = view.readUInt32LE(p + 16);
    const compressedSize = view.readUInt32LE(p + 20);
    const size = view.readUInt32LE(p + 24);
    const nameLen = view.readUInt16LE(p + 28);
    const extraLen = view.readUInt16LE(p + 30);
    const commentLen = view.readUInt16LE(p + 32);
    const offset = view.readUInt32LE(p + 42);
    const name = view.toString(flags & 0x800 ? "utf8" : "latin1", p + 46, p + 46 + nameLen);
    if (flags & 0x1) {
      throw new DataError(`${file}: entry ${name} is encrypted, which is not supported.`, {
        hint: "Binance's dumps are never encrypted; check where the file came from.",
      });
    }
    if (compressedSize === 0xffffffff || size === 0xffffffff || offset === 0xffffffff) {
      throw new DataError(`${file}: entry ${name} needs ZIP64, which is not supported.`, {
        hint: "Unpack it with any zip tool and import the .csv inside.",
      });
    }
    entries.push({ name, method, compressedSize, size, crc32: crc, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry, CRC-checked. */
export function readZipEntry(buf: Uint8Array, entry: ZipEntry, file = "<zip>"): Buffer {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const p = entry.offset;
  if (p + 30 > view.length || view.readUInt32LE(p) !== LOC_SIG)
    throw damaged(file, `local header of ${entry.name} is broken`);
  const start = p + 30 + view.readUInt16LE(p + 26) + view.readUInt16LE(p + 28);
  const end = start + entry.compressedSize;
  if (end > view.length) throw damaged(file, `${entry.name} is cut short`);
  const raw = view.subarray(start, end);
  let out: Buffer;
  if (entry.method === 0) {
    out = Buffer.from(raw);
  } else if (entry.method === 8) {
    try {
      out = zlib.inflateRawSync(raw);
    } catch (e) {
      throw damaged(file, `${entry.name} does not inflate (${(e as Error).message})`);
    }
  } else {
    throw new DataError(
      `${file}: entry ${entry.name} uses compression method ${entry.method}, which is not supported.`,
      {
        hint: "Only stored and deflated entries are read; unpack it with a zip tool and import the .csv inside.",
      },
    );
  }
  if (out.length !== entry.size)
    throw damaged(file, `${entry.name} unpacks to ${out.length} bytes, expected ${entry.size}`);
  if (crc32(out) !== entry.crc32) throw damaged(file, `${entry.name} fails its CRC-32 check`);
  return out;
}

/**
 * The content of the one data file in a single-entry archive (folders and macOS "__MACOSX" metadata are ignored).
 * More than one file is an error: which one was meant cannot be guessed.
 */
export function readSingleFileZip(buf: Uint8Array, file = "<zip>"): { name: string; data: Buffer } {
  const files = zipEntries(buf, file).filter((e) => !e.name.endsWith("/") && !e.name.startsWith("__MACOSX/"));
  if (files.length !== 1) {
    throw new DataError(
      `${file} holds ${files.length} files (${files
        .slice(0, 5)
        .map((e) => e.name)
        .join(", ")}), expected exactly one.`,
      { hint: "Binance's kline archives hold one CSV each; unpack this one and import its CSV files." },
    );
  }
  const entry = files[0] as ZipEntry;
  return { name: entry.name, data: readZipEntry(buf, entry, file) };
}
