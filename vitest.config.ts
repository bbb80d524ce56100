import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/kit/setup.ts"],
    // End-to-end tests drive real git, tmux and several processes per stage: generous under load.
    testTimeout: 120_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Two files at a time even on two cores: the slow ones (end to end) mostly wait on the
    // processes they drive, so a second worker halves the wall time of the run.
    maxWorkers: 2,
  },
});
