/** Runs ./leaky.fixture.ts under the test kit's setup, for test/kit/leaks.test.ts only. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.."),
    include: ["test/kit/leak-fixture/*.fixture.ts"],
    setupFiles: ["test/kit/setup.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
