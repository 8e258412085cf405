import type { Clock } from "../../core/clock.js";

/**
 * Simulated time that starts at `start` and runs `speed` times faster than the machine's clock: lets the demo show a
 * day of candles in minutes while everything still asks one clock for "now".
 */
export function acceleratedClock(start: number, speed: number, wall: () => number = Date.now): Clock {
  const wallStart = wall();
  return { now: () => Math.floor(start + (wall() - wallStart) * speed) };
}
