/**
 * Runs around every test file (vitest `setupFiles`): the temp directories a file made and did
 * not remove itself (a `cwd` for one command, a demo's sample repository) go when it ends.
 */
import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-repo.ts";

afterAll(() => {
  removeTempDirs();
});
