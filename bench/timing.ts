/** The fastest of `repeats` runs, wall and CPU time: the least disturbed measurement on a shared machine. */
export function bestOf(repeats: number, run: () => unknown): { ms: number; cpuMs: number } {
  let fastest = { ms: Number.POSITIVE_INFINITY, cpuMs: Number.POSITIVE_INFINITY };
  for (let r = 0; r < repeats; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (ms < fastest.ms) fastest = { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
  }
  return fastest;
}
