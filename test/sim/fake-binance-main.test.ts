import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { acceleratedClock } from "../../src/sim/fake-binance/index.js";
import { T } from "./fake-binance-helpers.js";

describe("acceleratedClock", () => {
  it("starts at the given time and runs `speed` times faster than the wall clock", () => {
    let wall = 1_000;
    const clock = acceleratedClock(T("2026-02-01T00:00:00Z"), 60, () => wall);
    expect(clock.now()).toBe(T("2026-02-01T00:00:00Z"));
    wall += 1_000;
    expect(clock.now()).toBe(T("2026-02-01T00:01:00Z"));
  });
});

describe("the runnable fake (main.ts)", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill("SIGTERM");
    child = undefined;
  });

  it("prints its URLs and serves the bundled data at the requested time", async () => {
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/sim/fake-binance/main.ts",
        "--port",
        "0",
        "--at",
        "2026-02-01T00:00:00Z",
        "--speed",
        "60",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const proc = child;
    let out = "";
    const restUrl = await new Promise<string>((resolve, reject) => {
      proc.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /spot REST\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v3/.exec(out);
        if (m) resolve(m[1] as string);
      });
      proc.stderr?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      proc.once("exit", (code) => reject(new Error(`main.ts exited with ${code}: ${out}`)));
    });
    expect(out).toMatch(/ws:\/\/127\.0\.0\.1:\d+\/market\/stream/);
    const time = (await (await fetch(`${restUrl}/api/v3/time`)).json()) as { serverTime: number };
    expect(time.serverTime).toBeGreaterThanOrEqual(T("2026-02-01T00:00:00Z"));
    expect(time.serverTime).toBeLessThan(T("2026-02-01T06:00:00Z"));
    const rows = (await (
      await fetch(`${restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1d&limit=2`)
    ).json()) as number[][];
    expect(rows.map((r) => r[0])).toEqual([T("2026-01-31T00:00:00Z"), T("2026-02-01T00:00:00Z")]);
  });

  it("explains a bad --at instead of crashing with a stack trace", async () => {
    const proc = spawn(process.execPath, ["--import", "tsx", "src/sim/fake-binance/main.ts", "--at", "yesterday"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    proc.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((r) => proc.once("exit", r));
    expect(code).toBe(1);
    expect(err).toContain('--at must be an ISO date like 2026-02-01T00:00:00Z, got "yesterday"');
    expect(err).not.toContain("    at ");
  });
});
