import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { type Harness, startHarness } from "./fake-binance-helpers.js";

const KLINES = "/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=3";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.fake.close());
beforeEach(() => h.fake.reset());

describe("injected faults", () => {
  it("html: a proxy error page instead of JSON, once by default", async () => {
    h.fake.inject({ kind: "html", path: "/api/v3/klines" });
    const page = await h.get(KLINES);
    expect(page.status).toBe(502);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.text).toContain("502 Bad Gateway");
    expect(page.body).toBeUndefined();
    const next = await h.get(KLINES);
    expect(next.status).toBe(200);
    expect(next.body).toHaveLength(3);
  });

  it("html with status 200 (a captive portal)", async () => {
    h.fake.inject({ kind: "html", status: 200 });
    const page = await h.get("/api/v3/ping");
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/^<html>/);
  });

  it("truncated: a JSON body cut in half", async () => {
    const full = (await h.get(KLINES)).text;
    h.fake.inject({ kind: "truncated", path: "/api/v3/klines" });
    const cut = await h.get(KLINES);
    expect(cut.status).toBe(200);
    expect(cut.body).toBeUndefined();
    expect(cut.text.length).toBeLessThan(full.length);
    expect(full.startsWith(cut.text)).toBe(true);
  });

  it("nan: one price replaced by NaN or any other non-number", async () => {
    h.fake.inject({ kind: "nan", path: "/api/v3/klines" });
    const k = (await h.get(KLINES)).body as string[][];
    expect(k[2]?.[4]).toBe("NaN");
    expect(k[1]?.[4]).toMatch(/^\d+\.\d{8}$/);
    h.fake.inject({ kind: "nan", value: "abc", market: "futures", path: "/fapi/v1/ticker/24hr" });
    const t = (await h.get("/fapi/v1/ticker/24hr?symbol=ALGOUSDT")).body as Record<string, string>;
    expect(t.lastPrice).toBe("abc");
    h.fake.inject({ kind: "nan", path: "/api/v3/depth" });
    const d = (await h.get("/api/v3/depth?symbol=BTCUSDT&limit=5")).body as { bids: string[][] };
    expect(d.bids[0]?.[0]).toBe("NaN");
  });

  it("wrong-shape: an object where an array belongs and vice versa", async () => {
    h.fake.inject({ kind: "wrong-shape", path: "/api/v3/klines" });
    const k = (await h.get(KLINES)).body;
    expect(Array.isArray(k)).toBe(false);
    expect(Object.keys(k as object)).toEqual(["0", "1", "2"]);
    h.fake.inject({ kind: "wrong-shape", path: "/api/v3/time" });
    expect((await h.get("/api/v3/time")).body).toEqual([{ serverTime: h.clock.now() }]);
  });

  it("status: any HTTP status with a Binance error body", async () => {
    h.fake.inject({ kind: "status", status: 503, path: "/api/v3/klines" });
    const unavailable = await h.get(KLINES);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({ code: -1008, msg: "Service Unavailable." });
    expect(h.fake.usedWeight("spot")).toBe(0); // a definite 5xx failure is not counted
    h.fake.inject({ kind: "status", status: 500 });
    expect((await h.get(KLINES)).body).toEqual({
      code: -1001,
      msg: "Internal error; unable to process your request. Please try again.",
    });
    h.fake.inject({ kind: "status", status: 400, code: -1121, msg: "Invalid symbol." });
    const bad = await h.get(KLINES);
    expect([bad.status, bad.body]).toEqual([400, { code: -1121, msg: "Invalid symbol." }]);
    expect(Number(bad.headers.get("x-mbx-used-weight-1m"))).toBe(2);
  });

  it("drop: the connection closes without an answer", async () => {
    h.fake.inject({ kind: "drop", path: "/api/v3/klines" });
    await expect(fetch(`${h.fake.restUrl}${KLINES}`)).rejects.toThrow();
    expect(h.fake.requests.at(-1)).toMatchObject({ path: "/api/v3/klines", status: 0, weight: 0 });
    expect((await h.get(KLINES)).status).toBe(200);
  });

  it("delay: the answer comes late but intact", async () => {
    h.fake.inject({ kind: "delay", ms: 30 });
    const r = await h.get(KLINES);
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(3);
  });

  it("429: forced rate limit with the given Retry-After, then normal service", async () => {
    h.fake.inject({ kind: "429", retryAfterSec: 7 });
    const r = await h.get(KLINES);
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("7");
    expect((r.body as { code: number }).code).toBe(-1003);
    expect((await h.get(KLINES)).status).toBe(200);
  });

  it("418: a real ban that lasts Retry-After seconds of server time", async () => {
    h.fake.inject({ kind: "418", retryAfterSec: 30, market: "spot" });
    const r = await h.get(KLINES);
    expect(r.status).toBe(418);
    expect(r.headers.get("retry-after")).toBe("30");
    expect((await h.get("/api/v3/ping")).status).toBe(418);
    expect((await h.get("/fapi/v1/ping")).status).toBe(200);
    h.clock.advance(30_000);
    expect((await h.get("/api/v3/ping")).status).toBe(200);
  });

  it("matches by market and path (prefix with *), oldest first, `times` requests", async () => {
    h.fake.inject({ kind: "status", status: 500, market: "futures", times: 2 });
    h.fake.inject({ kind: "html", path: "/api/v3/ticker/*" });
    expect((await h.get("/api/v3/ping")).status).toBe(200);
    expect((await h.get("/fapi/v1/ping")).status).toBe(500);
    expect((await h.get("/fapi/v1/time")).status).toBe(500);
    expect((await h.get("/fapi/v1/time")).status).toBe(200);
    expect((await h.get("/api/v3/ticker/price?symbol=BTCUSDT")).status).toBe(502);
    expect((await h.get("/api/v3/ticker/price?symbol=BTCUSDT")).status).toBe(200);
  });

  it("rejects malformed faults and forgets queued ones on reset", async () => {
    expect(() => h.fake.inject({ kind: "drop", times: 0 })).toThrow(UsageError);
    expect(() => h.fake.inject({ kind: "status", status: 42 })).toThrow(UsageError);
    h.fake.inject({ kind: "drop" });
    h.fake.reset();
    expect((await h.get("/api/v3/ping")).status).toBe(200);
  });
});
