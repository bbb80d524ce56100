/**
 * Runs around every test file (vitest `setupFiles`) and fails the test that leaks: a process it
 * started (a daemon, a tmux server, an agent) still running, a temp directory or a tmux socket
 * file left behind (test/kit/leaks.ts says how each is attributed to its test). The temp
 * directories `tempDir()` handed out go with the test (or file) that made them.
 *
 * Hooks run as a stack (vitest's default `sequence.hooks`): this file's afterEach runs after
 * the test file's own, so a fixture disposed there is not taken for a leak.
 */
import { afterAll, afterEach, beforeEach } from "vitest";
import {
  beginTest,
  cleanUp,
  describeLeaks,
  endFile,
  endTest,
  isolateTmp,
  removeTmpRoot,
} from "./leaks.ts";
import { removeTempDirs, removeTestTempDirs } from "./temp-repo.ts";

isolateTmp();

beforeEach(() => {
  beginTest();
});

afterEach(async () => {
  // The test's temp directories go once its processes have: one on its way out may write there.
  const leaks = await endTest(removeTestTempDirs);
  cleanUp(leaks);
  if (leaks.length > 0) throw new Error(describeLeaks(leaks));
});

afterAll(async () => {
  const leaks = await endFile(removeTempDirs);
  cleanUp(leaks);
  removeTmpRoot();
  if (leaks.length > 0) throw new Error(describeLeaks(leaks));
});
