import { afterEach, describe, expect, it } from "vitest";
import { MINUTE } from "../../src/core/interval.js";
import { type Harness, NOW, type Reply, startHarness, T } from "./fake-binance-helpers.js";

const used = (r: Reply) => Number(r.headers.get("x-mbx-used-weight-1m"));

let h: Harness | undefined;
afterEach(async () => {
  await h?.fake.close();
  h = undefined;
});

async function harness(opts: Parameters<typeof startHarness>[0]): Promise<Harness> {
  h = await startHarness(opts);
  return h;
}

describe("request-weight limits", () => {
  it("answers 429 past the limit, then bans with 418 when the client keeps sending", async () => {
    const { get, fake } = await harness({ weightLimit: { spot: 10 }, requestsBefore418: 3, banSeconds: 120 });
    for (let i = 1; i <= 10; i++) {
      const r = await get("/api/v3/ping");
      expect([r.status, used(r)]).toEqual([200, i]);
    }
    const limited = await get("/api/v3/ping");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60"); // NOW is 13:37:00.000, the window ends at 13:38
    expect(limited.body).toEqual({
      code: -1003,
      msg: "Too much request weight used; current limit is 10 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
    });
    for (let i = 0; i < 3; i++) expect((await get("/api/v3/ping")).status).toBe(429);
    const banned = await get("/api/v3/ping");
    expect(banned.status).toBe(418);
    expect(banned.headers.get("retry-after")).toBe("120");
    expect(banned.body).toEqual({
      code: -1003,
      msg: `Way too much request weight used; IP banned until ${NOW + 120_000}. Please use WebSocket Streams for live updates to avoid bans.`,
    });
    expect(fake.requests.map((r) => r.status)).toEqual([...Array(10).fill(200), 429, 429, 429, 429, 418]);
    expect(fake.requests.at(-1)?.weight).toBe(0);
  });

  it("keeps answering 418 for the whole ban, across weight windows, then serves again", async () => {
    const { get, clock } = await harness({ weightLimit: { spot: 2 }, requestsBefore418: 1, banSeconds: 150 });
    await get("/api/v3/ping");
    await get("/api/v3/ping");
    expect((await get("/api/v3/ping")).status).toBe(429);
    expect((await get("/api/v3/ping")).status).toBe(429);
    expect((await get("/api/v3/ping")).status).toBe(418);
    clock.advance(61_000);
    const still = await get("/api/v3/time");
    expect(still.status).toBe(418);
    expect(still.headers.get("retry-after")).toBe("89");
    clock.advance(89_000);
    const back = await get("/api/v3/time");
    expect(back.status).toBe(200);
    expect(used(back)).toBe(1);
  });

  it("resets the window at each clock minute of the server, not 60 s after the first request", async () => {
    const { get, clock, fake } = await harness({ now: T("2026-02-01T13:37:59.000Z"), weightLimit: { spot: 5 } });
    for (let i = 0; i < 5; i++) await get("/api/v3/ping");
    const limited = await get("/api/v3/ping");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    clock.advance(999);
    expect((await get("/api/v3/ping")).status).toBe(429);
    clock.advance(1); // 13:38:00.000
    expect(fake.usedWeight("spot")).toBe(0);
    const fresh = await get("/api/v3/ping");
    expect([fresh.status, used(fresh)]).toEqual([200, 1]);
    expect(fake.totalWeight("spot")).toBe(8); // 5 served, 2 answered 429 (still charged), 1 in the new window
  });

  it("budgets spot and futures separately, with the futures wording", async () => {
    const { get } = await harness({ weightLimit: { spot: 3, futures: 4 } });
    for (let i = 0; i < 3; i++) await get("/api/v3/ping");
    expect((await get("/api/v3/ping")).status).toBe(429);
    const fut = await get("/fapi/v1/klines?symbol=ALGOUSDT&interval=1h&limit=5");
    expect([fut.status, used(fut)]).toEqual([200, 1]);
    await get("/fapi/v1/klines?symbol=ALGOUSDT&interval=1h"); // weight 5: over the futures limit of 4
    const limited = await get("/fapi/v1/ping");
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      code: -1003,
      msg: "Too many requests; current limit is 4 requests per minute. Please use the websocket for live updates to avoid polling the API.",
    });
    const info = (await get("/api/v3/exchangeInfo")).status;
    expect(info).toBe(429);
  });

  it("shows the configured limit in exchangeInfo and counts rejected requests' weight", async () => {
    const { get, fake } = await harness({ weightLimit: { futures: 100 } });
    const info = (await get("/fapi/v1/exchangeInfo")).body as {
      rateLimits: { rateLimitType: string; limit: number }[];
    };
    expect(info.rateLimits[0]).toEqual({
      rateLimitType: "REQUEST_WEIGHT",
      interval: "MINUTE",
      intervalNum: 1,
      limit: 100,
    });
    const bad = await get("/fapi/v1/klines?symbol=ALGOUSDT&interval=7m&limit=1200");
    expect([bad.status, used(bad)]).toEqual([400, 11]);
    fake.reset();
    expect(fake.usedWeight("futures")).toBe(0);
    expect(fake.totalWeight("futures")).toBe(0);
    expect(fake.requests).toEqual([]);
  });

  it("futures ban message names the end of the ban", async () => {
    const { get, clock } = await harness({ weightLimit: { futures: 1 }, requestsBefore418: 0, banSeconds: 300 });
    clock.advance(5 * MINUTE);
    await get("/fapi/v1/ping");
    expect((await get("/fapi/v1/ping")).status).toBe(429);
    const banned = await get("/fapi/v1/ping");
    expect(banned.status).toBe(418);
    expect(banned.body).toEqual({
      code: -1003,
      msg: `Way too many requests; IP banned until ${NOW + 5 * MINUTE + 300_000}. Please use the websocket for live updates to avoid bans.`,
    });
    expect(banned.headers.get("retry-after")).toBe("300");
  });
});
