/**
 * Runs the fake Binance on its own, for the demo and for trying clients by hand:
 *   node --import tsx src/sim/fake-binance/main.ts --port 8080 --at 2026-02-01T00:00:00Z --speed 60
 * Serves the bundled real candles (or `--synthetic N` generated symbols) with a clock that starts at `--at` and runs
 * `--speed` times faster than real time, pushing stream updates once a second.
 */
import { parseArgs } from "node:util";
import { describeError, UsageError } from "../../core/errors.js";
import { acceleratedClock } from "./accelerated-clock.js";
import { startFakeBinance } from "./server.js";
import { syntheticMarketData } from "./synthetic-data.js";

function numberArg(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new UsageError(`--${name} must be a non-negative number, got "${raw}"`);
  return v;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "8080" },
      at: { type: "string" },
      speed: { type: "string", default: "1" },
      synthetic: { type: "string" },
      "tick-ms": { type: "string", default: "1000" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "Usage: main.ts [--port 8080] [--at 2026-02-01T00:00:00Z] [--speed 60] [--synthetic 300] [--tick-ms 1000]\n",
    );
    return;
  }
  const start = values.at === undefined ? Date.now() : Date.parse(values.at);
  if (Number.isNaN(start))
    throw new UsageError(`--at must be an ISO date like 2026-02-01T00:00:00Z, got "${values.at}"`);
  const speed = numberArg("speed", values.speed, 1);
  const port = numberArg("port", values.port, 8080);
  const tickMs = Math.max(10, numberArg("tick-ms", values["tick-ms"], 1000));
  const clock = acceleratedClock(start, speed);
  const synthetic = values.synthetic === undefined ? undefined : numberArg("synthetic", values.synthetic, 0);
  const fake = await startFakeBinance({
    clock,
    port,
    ...(synthetic
      ? {
          spot: syntheticMarketData({ symbols: synthetic }),
          futures: syntheticMarketData({ symbols: synthetic, seed: 2 }),
        }
      : {}),
  });
  const timer = setInterval(() => fake.tick(), tickMs);
  process.stdout.write(
    [
      `fake Binance at ${new Date(start).toISOString()} running ${speed}x`,
      `  spot REST     ${fake.restUrl}/api/v3   (e.g. ${fake.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=5)`,
      `  futures REST  ${fake.restUrl}/fapi/v1`,
      `  spot WS       ${fake.wsUrl}/stream?streams=btcusdt@kline_5m   ${fake.wsUrl}/ws/<stream>`,
      `  futures WS    ${fake.wsUrl}/market/stream?streams=algousdt@kline_15m`,
      "Ctrl-C stops it.",
      "",
    ].join("\n"),
  );
  const stop = () => {
    clearInterval(timer);
    void fake.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const { message, hint } = describeError(e);
  process.stderr.write(`${message}${hint ? `\n${hint}` : ""}\n`);
  process.exit(1);
});
