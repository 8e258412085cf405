import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DataError } from "../../src/core/errors.js";
import { crc32, readSingleFileZip, zipEntries } from "../../src/storage/zip.js";
import { makeZip } from "./zip-writer.js";

describe("zip reader", () => {
  const text = Buffer.from("1,2,3\n4,5,6\n".repeat(1000));

  it("computes CRC-32 like zip tools (check value of '123456789')", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("reads stored and deflated single-file archives", () => {
    for (const method of [0, 8] as const) {
      const zip = makeZip([{ name: "BTCUSDT-1h-2024-01.csv", data: text, method }]);
      const entries = zipEntries(zip);
      expect(entries).toHaveLength(1);
      expect(entries[0]!.method).toBe(method);
      const { name, data } = readSingleFileZip(zip, "t.zip");
      expect(name).toBe("BTCUSDT-1h-2024-01.csv");
      expect(data.equals(text)).toBe(true);
    }
  });

  it("uses central-directory sizes when the entry has a data descriptor, and skips folders", () => {
    const zip = makeZip([
      { name: "data/", data: Buffer.alloc(0), method: 0 },
      { name: "data/x.csv", data: text, method: 8, dataDescriptor: true },
    ]);
    expect(readSingleFileZip(zip).data.equals(text)).toBe(true);
  });

  it("finds the end record behind an archive comment", () => {
    const zip = makeZip([{ name: "a.csv", data: text, method: 8 }], "made by a test");
    expect(readSingleFileZip(zip).data.equals(text)).toBe(true);
  });

  it("rejects truncated, corrupted and multi-file archives with the file name", () => {
    const zip = makeZip([{ name: "a.csv", data: text, method: 8 }]);
    expect(() => readSingleFileZip(zip.subarray(0, zip.length - 10), "cut.zip")).toThrow(/cut\.zip is not a valid zip/);
    const flipped = Buffer.from(zip);
    flipped[40] = (flipped[40] as number) ^ 0xff; // inside the deflated data
    expect(() => readSingleFileZip(flipped, "bad.zip")).toThrow(DataError);
    const two = makeZip([
      { name: "a.csv", data: text, method: 0 },
      { name: "b.csv", data: text, method: 0 },
    ]);
    expect(() => readSingleFileZip(two, "two.zip")).toThrow(/two\.zip holds 2 files/);
    expect(() => readSingleFileZip(Buffer.from("PK not really"), "fake.zip")).toThrow(/fake\.zip/);
  });

  it("rejects unsupported compression methods clearly", () => {
    const zip = makeZip([{ name: "a.csv", data: text, method: 8 }]);
    const patched = Buffer.from(zip);
    const cen = patched.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    patched.writeUInt16LE(12, cen + 10); // bzip2
    expect(() => readSingleFileZip(patched, "bz.zip")).toThrow(/method 12/);
    expect(deflateRawSync(text).length).toBeLessThan(text.length);
  });
});
