import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { IpBannedError } from "../../src/core/errors.js";
import { MINUTE } from "../../src/core/interval.js";
import { BinanceExchange } from "../../src/exchange/binance/binance-exchange.js";
import type { FakeRequest } from "../../src/sim/fake-binance/index.js";
import { type Harness, harness, hits, simulatedSleep } from "./fake-setup.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function weightPerWindow(reqs: readonly FakeRequest[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of reqs) m.set(Math.floor(r.at / MINUTE), (m.get(Math.floor(r.at / MINUTE)) ?? 0) + r.weight);
  return m;
}

const limited = (reqs: readonly FakeRequest[]) => reqs.filter((r) => r.status === 429 || r.status === 418);

/** What the property test calls, with the spot weight each costs. */
const OPS = {
  klines: (ex: BinanceExchange) => ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 3 }), // 2
  tickers: (ex: BinanceExchange) => ex.tickers24h(), // 80
  markets: (ex: BinanceExchange) => ex.markets(), // 20 (the TTL is 0 below)
} as const;

describe("Binance adapter rate safety against the fake server", () => {
  it("never exceeds the server's weight limit in any window and never meets a 429, whatever the concurrency", async () => {
    const limit = 400;
    h = await harness("spot", {}, { weightLimit: { spot: limit } });
    const { fake, clock } = h;
    const op = fc.constantFrom(...(Object.keys(OPS) as (keyof typeof OPS)[]));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ batch: fc.array(op, { minLength: 1, maxLength: 25 }), gapMs: fc.nat(20_000) }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (rounds) => {
          fake.reset();
          const ex = new BinanceExchange({
            market: "spot",
            restUrl: fake.restUrl,
            clock,
            sleep: (ms) => simulatedSleep(clock, ms),
            random: () => 0.5,
            exchangeInfoTtlMs: 0, // every markets() costs 20
          });
          const spentBefore = ex.weightUsage().spent;
          try {
            for (const round of rounds) {
              clock.advance(round.gapMs);
              await Promise.all(round.batch.map((o) => OPS[o](ex)));
            }
            expect(limited(fake.requests)).toEqual([]);
            for (const used of weightPerWindow(fake.requests).values()) expect(used).toBeLessThanOrEqual(limit * 0.9);
            // The client's count matches what the server charged.
            expect(ex.weightUsage().spent - spentBefore).toBe(fake.totalWeight("spot"));
          } finally {
            await ex.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("corrects its count from X-MBX-USED-WEIGHT-1M when another program uses the same IP", async () => {
    h = await harness("spot", {}, { weightLimit: { spot: 400 } });
    await h.ex.markets(); // time 1 + exchangeInfo 20
    h.clock.set((Math.floor(h.clock.now() / MINUTE) + 1) * MINUTE + 5_000); // a fresh window
    // Someone else on this IP spends 280 of the 400.
    for (let i = 0; i < 14; i++) await fetch(`${h.fake.restUrl}/api/v3/exchangeInfo`).then((r) => r.text());
    expect(h.fake.usedWeight("spot")).toBe(280);
    const window = Math.floor(h.clock.now() / MINUTE);
    await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 }); // learns 282 from the header
    expect(h.ex.weightUsage().used).toBe(282);
    await Promise.all(Array.from({ length: 50 }, () => h!.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 })));
    expect(limited(h.fake.requests)).toEqual([]);
    const perWindow = weightPerWindow(h.fake.requests);
    // Without the header the client would have believed 2 of 360 used and sent all 50 (100) into this window.
    expect(perWindow.get(window)!).toBeLessThanOrEqual(360);
    for (const used of perWindow.values()) expect(used).toBeLessThanOrEqual(400);
    // It waited for the next window instead (the simulated clock moved past it).
    expect(h.slept.length).toBeGreaterThan(0);
    expect(h.clock.now()).toBeGreaterThanOrEqual((window + 1) * MINUTE + 1000);
    expect(perWindow.get(window)! + (perWindow.get(window + 1) ?? 0)).toBe(282 + 100);
  });

  it("on 429 pauses ALL requests until Retry-After, then retries the paused one and succeeds", async () => {
    h = await harness("futures");
    const hh = h;
    // A fresh adapter with its own sleep (the harness one would share its budget, and that budget's sleep).
    await hh.ex.close();
    hh.fake.inject({ kind: "429", retryAfterSec: 1, path: "/fapi/v1/klines" });
    let other: Promise<unknown> | undefined;
    const ex = new BinanceExchange({
      market: "futures",
      restUrl: hh.fake.restUrl,
      clock: hh.clock,
      logger: hh.logger,
      // While the adapter is paused, a second caller asks for something else: it must wait too.
      sleep: async (ms) => {
        other ??= ex.tickers24h();
        await Promise.resolve();
        hh.clock.advance(ms);
      },
    });
    try {
      const cs = await ex.candles({ symbol: "FILUSDT", interval: "1h", limit: 5 });
      expect(cs).toHaveLength(5);
      expect((await other) as unknown[]).not.toHaveLength(0);
      const reqs = hh.fake.requests.filter((r) => r.path !== "/fapi/v1/time" && r.path !== "/fapi/v1/exchangeInfo");
      const first429 = reqs.find((r) => r.status === 429)!;
      expect(first429.path).toBe("/fapi/v1/klines");
      const after = reqs.filter((r) => r !== first429);
      expect(after.map((r) => r.status)).toEqual([200, 200]);
      for (const r of after) expect(r.at).toBeGreaterThanOrEqual(first429.at + 1000);
      expect(
        hh.logger.entries.some(
          (e) => e.level === "warn" && /rate limit hit; all Binance futures requests are paused/.test(e.message),
        ),
      ).toBe(true);
    } finally {
      await ex.close();
    }
  });

  it("treats -1003 in an error body as a rate limit and waits for the next window", async () => {
    h = await harness("spot");
    await h.ex.markets();
    h.fake.reset();
    h.fake.inject({
      kind: "status",
      status: 400,
      code: -1003,
      msg: "Too much request weight used; current limit is 6000 request weight per 1 MINUTE.",
      path: "/api/v3/klines",
    });
    const before = h.clock.now();
    expect(await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 })).toHaveLength(2);
    const [limitedReq, retried] = h.fake.requests;
    expect(limitedReq!.status).toBe(400);
    expect(retried!.status).toBe(200);
    expect(retried!.at).toBeGreaterThanOrEqual((Math.floor(before / MINUTE) + 1) * MINUTE);
  });

  it("on 418 latches: logs loudly, fails every request with IpBannedError and sends nothing until the ban ends", async () => {
    h = await harness("spot");
    await h.ex.markets();
    h.fake.reset();
    h.fake.inject({ kind: "418", retryAfterSec: 120, path: "/api/v3/klines" });
    const banAt = h.clock.now();
    const err = await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpBannedError);
    expect((err as IpBannedError).bannedUntil).toBe(banAt + 120_000);
    const loud = h.logger.entries.filter((e) => e.level === "error");
    expect(loud).toHaveLength(1);
    expect(loud[0]!.message).toBe(
      `Binance has banned this IP until ${new Date(banAt + 120_000).toISOString()} (Retry-After 120 s); all requests are paused`,
    );
    expect(h.fake.requests).toHaveLength(1);

    // Nothing at all goes out during the ban, whichever endpoint and however many callers.
    const results = await Promise.allSettled([
      h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 }),
      h.ex.tickers24h(),
      h.ex.serverTime(),
    ]);
    expect(results.every((r) => r.status === "rejected" && r.reason instanceof IpBannedError)).toBe(true);
    h.clock.advance(119_000);
    await expect(h.ex.serverTime()).rejects.toBeInstanceOf(IpBannedError);
    expect(h.fake.requests).toHaveLength(1);

    h.clock.advance(1_000);
    expect(await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 })).toHaveLength(2);
    expect(h.fake.requests.map((r) => r.status)).toEqual([418, 200]);
    expect(hits(h.fake, "/api/v3/klines")).toBe(2);
  });
});
