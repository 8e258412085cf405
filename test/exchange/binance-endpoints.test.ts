import { describe, expect, it } from "vitest";
import { cheapestKlinePage, ENDPOINTS, endpoint } from "../../src/exchange/binance/endpoints.js";

describe("Binance endpoint table", () => {
  it("charges spot klines a flat 2 whatever the limit", () => {
    const w = endpoint("spot", "klines").weight;
    expect([w({}), w({ limit: 1 }), w({ limit: 500 }), w({ limit: 1000 })]).toEqual([2, 2, 2, 2]);
  });

  it("counts futures klines by the documented limit bands (the higher where observation differs), 5 without a limit", () => {
    const w = endpoint("futures", "klines").weight;
    const at = (limit: number) => w({ limit });
    expect([1, 99, 100, 101, 499, 500, 501, 1000, 1001, 1500].map(at)).toEqual([1, 1, 2, 2, 2, 5, 5, 5, 10, 10]);
    expect(w({})).toBe(5);
  });

  it("knows exchangeInfo, tickers and time weights", () => {
    expect(endpoint("spot", "exchangeInfo").weight({})).toBe(20);
    expect(endpoint("futures", "exchangeInfo").weight({})).toBe(1);
    const spot24 = endpoint("spot", "ticker24h").weight;
    expect(spot24({})).toBe(80);
    expect(spot24({ symbol: "BTCUSDT" })).toBe(2);
    const list = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => `S${i}USDT`));
    expect([1, 20, 21, 100, 101].map((n) => spot24({ symbols: list(n) }))).toEqual([2, 2, 40, 40, 80]);
    expect(endpoint("futures", "ticker24h").weight({})).toBe(40);
    expect(endpoint("futures", "ticker24h").weight({ symbol: "BTCUSDT" })).toBe(1);
    for (const m of ["spot", "futures"] as const) {
      expect(endpoint(m, "time").weight({})).toBe(1);
    }
  });

  it("cites a source for every endpoint and uses the right API prefix", () => {
    for (const m of ["spot", "futures"] as const) {
      for (const ep of Object.values(ENDPOINTS[m])) {
        expect(ep.source.length).toBeGreaterThan(5);
        expect(ep.path.startsWith(m === "spot" ? "/api/v3/" : "/fapi/v1/")).toBe(true);
        expect(ep.market).toBe(m);
      }
    }
  });

  it("pages klines at the limit with the least weight per candle", () => {
    expect(cheapestKlinePage("spot")).toBe(1000);
    // 499 rows for 2 beats 1000 for 5 and 1500 for 10 (500 is in the weight-5 band as documented).
    expect(cheapestKlinePage("futures")).toBe(499);
  });
});
