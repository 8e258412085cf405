import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataError } from "../../src/core/errors.js";
import { writeFileAtomic, writeJsonAtomic } from "../../src/storage/atomic-write.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cma-atomic-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("writeFileAtomic / writeJsonAtomic", () => {
  it("writes into missing folders and leaves no temporary file", () => {
    const file = join(dir, "x", "y", "trades.json");
    writeJsonAtomic(file, { trades: [1, 2, 3], note: "ok" });
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ trades: [1, 2, 3], note: "ok" });
    expect(readFileSync(file, "utf8").endsWith("}\n")).toBe(true);
    expect(readdirSync(join(dir, "x", "y"))).toEqual(["trades.json"]);
  });

  it("replaces an existing file, keeping its permissions", () => {
    const file = join(dir, "f.txt");
    writeFileSync(file, "old");
    chmodSync(file, 0o600);
    writeFileAtomic(file, new Uint8Array([110, 101, 119]));
    expect(readFileSync(file, "utf8")).toBe("new");
    if (process.platform !== "win32") expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["f.txt"]);
  });

  it("refuses values JSON cannot hold before touching the old file", () => {
    const file = join(dir, "m.json");
    writeJsonAtomic(file, { a: 1 });
    expect(() => writeJsonAtomic(file, { a: Number.NaN })).toThrow(DataError);
    expect(() => writeJsonAtomic(file, { big: 1n })).toThrow(DataError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => writeJsonAtomic(file, cyclic)).toThrow(/Could not write/);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ a: 1 });
    expect(readdirSync(dir)).toEqual(["m.json"]);
  });

  it("cleans up its temporary file when the final rename fails", () => {
    const target = join(dir, "occupied");
    mkdirSync(target);
    writeFileSync(join(target, "inside.txt"), "keep");
    expect(() => writeFileAtomic(target, "data")).toThrow(DataError);
    expect(readdirSync(dir)).toEqual(["occupied"]);
    expect(readFileSync(join(target, "inside.txt"), "utf8")).toBe("keep");
  });

  it("leaves the complete old or complete new file when the writing process is killed mid-write", async () => {
    const file = join(dir, "state.json");
    const size = 8 * 1024 * 1024;
    writeFileAtomic(file, "A".repeat(size));
    const modulePath = resolve("src/storage/atomic-write.ts");
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(modulePath)};
      const big = ["B", "C"].map((ch) => ch.repeat(${size}));
      process.stdout.write("ready\\n");
      for (let i = 0; ; i++) writeFileAtomic(${JSON.stringify(file)}, big[i % 2]);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((res, rej) => {
      child.stdout.once("data", () => res());
      child.once("exit", (code) => rej(new Error(`writer exited early with ${code}`)));
    });
    // Let it get through a few replacements, then kill it wherever it is.
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const content = readFileSync(file, "utf8");
    expect(content.length).toBe(size);
    const ch = content[0] as string;
    expect(["A", "B", "C"]).toContain(ch);
    expect(content).toBe(ch.repeat(size));
    // The next write removes whatever temporary file the dead process left behind.
    writeJsonAtomic(file, { recovered: true });
    expect(readdirSync(dir)).toEqual(["state.json"]);
  }, 60_000);
});
