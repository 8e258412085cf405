/**
 * The process bench/live-run.ts measures: the real `cma run` command as users run it (the compiled program in dist/,
 * no TypeScript loader, which alone would add about 30 MB), on the bench's accelerated clock, talking to the fake
 * Binance the parent serves. It reports its memory to the parent once a real second with the simulated time, and
 * stops itself at the simulated time the parent names. Messages: see ChildMessage in live-run.ts.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../dist/cli/main.js";
import { realSleep } from "../dist/core/sleep.js";

const MB = 1024 * 1024;
const send = (m) => process.send?.(m);

async function main(spec) {
  const gc = globalThis.gc;
  gc?.();
  const base = process.memoryUsage();
  send({ kind: "baseline", rssMb: base.rss / MB, heapUsedMb: base.heapUsed / MB });

  const clock = { now: () => Math.floor(spec.at + (Date.now() - spec.wallAt) * spec.speed) };
  const sleep = (ms, signal) => realSleep(ms / spec.speed, signal);
  const configFile = join(spec.dir, "config.yaml");
  writeFileSync(
    configFile,
    [
      "exchange:",
      `  use_futures: ${spec.market === "futures"}`,
      "universe:",
      `  max_symbols: ${spec.symbols}`,
      "  min_quote_volume_24h: 0",
      `data_dir: ${join(spec.dir, "data")}`,
      `output_dir: ${join(spec.dir, "output")}`,
      "",
    ].join("\n"),
  );

  const stop = new AbortController();
  let stopAt = spec.stopAt;
  process.on("message", (m) => {
    if (typeof m?.stopAt === "number") stopAt = m.stopAt;
  });
  let cards = 0;
  let started = false;
  let stderr = "";
  let samples = 0;
  const sample = () => {
    // A full collection every fifth sample: the heap right after it is what the run really keeps.
    const afterGc = gc !== undefined && samples++ % 5 === 0;
    if (afterGc) gc();
    const m = process.memoryUsage();
    send({
      kind: "sample",
      at: clock.now(),
      rssMb: m.rss / MB,
      heapUsedMb: m.heapUsed / MB,
      heapTotalMb: m.heapTotal / MB,
      externalMb: m.external / MB,
      arrayBuffersMb: m.arrayBuffers / MB,
      heapAfterGcMb: afterGc ? m.heapUsed / MB : null,
    });
    if (clock.now() >= stopAt) stop.abort();
  };
  const timer = setInterval(sample, spec.sampleMs);
  const exitCode = await run(["run", "--config", configFile, "--rest-url", spec.restUrl, "--ws-url", spec.wsUrl], {
    stdout: {
      write(chunk) {
        // The banner comes once the universe is synced and the first cycle has run: the system has started.
        if (!started) {
          started = true;
          send({ kind: "started", at: clock.now() });
        }
        if (/BUY LONG|SELL SHORT/.test(chunk)) cards++;
      },
    },
    stderr: {
      write(chunk) {
        stderr = (stderr + chunk).slice(-4000);
        if (/ analysed /.test(chunk)) send({ kind: "cycle", at: clock.now(), line: chunk.trim() });
      },
    },
    env: { NO_COLOR: "1" },
    cwd: spec.dir,
    signal: stop.signal,
    time: { clock, sleep },
  });
  clearInterval(timer);
  return { kind: "done", exitCode, cards, stderrTail: stderr };
}

// Exits once the last message is sent, whatever timers a stopped run may have left behind.
const finish = (m) => process.send?.(m, () => process.exit(m.exitCode === 0 ? 0 : 1));
main(JSON.parse(process.argv[2] ?? "{}")).then(finish, (e) =>
  finish({ kind: "done", exitCode: 99, cards: 0, stderrTail: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
);
