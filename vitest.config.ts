import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests talk to real loopback servers and real SQLite files; two workers match the two cores.
    pool: "forks",
    maxWorkers: 2,
    env: { NO_COLOR: "1", FORCE_COLOR: "0" },
  },
});
