/** Shared set-up for the fake Binance tests: a server on a random loopback port with a simulated clock. */
import { SimulatedClock } from "../../src/core/clock.js";
import { type FakeBinance, type FakeBinanceOptions, startFakeBinance } from "../../src/sim/fake-binance/index.js";

export const T = (iso: string) => Date.parse(iso);

/** Inside every bundled spot series (5m data runs to 2026-02-19) and the futures ALGOUSDT/FILUSDT segments. */
export const NOW = T("2026-02-01T13:37:00Z");

export interface Harness {
  readonly fake: FakeBinance;
  readonly clock: SimulatedClock;
  get(path: string): Promise<Reply>;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  readonly body: unknown;
}

export async function startHarness(
  opts: Partial<Omit<FakeBinanceOptions, "clock">> & { now?: number } = {},
): Promise<Harness> {
  const clock = new SimulatedClock(opts.now ?? NOW);
  const { now: _ignored, ...rest } = opts;
  const fake = await startFakeBinance({ clock, ...rest });
  return {
    fake,
    clock,
    async get(path: string): Promise<Reply> {
      const res = await fetch(`${fake.restUrl}${path}`);
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: res.status, headers: res.headers, text, body };
    },
  };
}

/** Polls until `check` holds (for state that changes on the server side without a client-visible event). */
export async function eventually(check: () => boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`Timed out waiting for ${what}`);
}
