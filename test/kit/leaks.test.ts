/**
 * The leak detector itself (./leaks.ts, run by ./setup.ts) fails a test for each kind of leak,
 * names it, cleans it up, and lets a clean test pass: checked by running tests that leak on
 * purpose (./leak-fixture/) in a vitest of their own.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { tempDir } from "./temp-repo.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface JsonReport {
  testResults: {
    assertionResults: { title: string; status: string; failureMessages: string[] }[];
  }[];
}

it("fails each test that leaks, naming what it left, and passes the clean one", async () => {
  const out = path.join(tempDir(), "report.json");
  const vitest = path.join(ROOT, "node_modules/vitest/vitest.mjs");
  const config = path.join(ROOT, "test/kit/leak-fixture/vitest.config.ts");
  await new Promise<void>((resolve) => {
    // Exits 1: tests fail, as they should.
    execFile(
      process.execPath,
      [vitest, "run", "--config", config, "--reporter=json", `--outputFile=${out}`],
      { cwd: ROOT, timeout: 120_000, env: { ...process.env, TEST_LEAK_GRACE_MS: "1000" } },
      () => resolve(),
    );
  });
  const report = JSON.parse(fs.readFileSync(out, "utf8")) as JsonReport;
  const results = Object.fromEntries(
    (report.testResults[0]?.assertionResults ?? []).map((r) => [
      r.title,
      `${r.status}: ${r.failureMessages.join("\n")}`,
    ]),
  );
  expect(results["clean: disposes what it makes"]).toBe("passed: ");
  const leaks: [string, RegExp][] = [
    ["leaks a detached process", /process: pid \d+: sleep 60/],
    ["leaks a tmux server", /process: pid \d+: tmux -L leaky/],
    ["leaks a temp repository", /path: .*flux-test-\w+ \(a tempRepo\(\) that was not disposed\)/],
    [
      "leaks a private tmux directory",
      /path: .*fxt-\w+ \(a privateTmux\(\) that was not disposed\)/,
    ],
    ["leaks a directory of ours in TMPDIR", /path: .*flux-demo-\w+ \(made in the test's TMPDIR\)/],
  ];
  for (const [title, leak] of leaks) {
    expect(results[title], title).toMatch(/^failed: Error: the test left things behind/);
    expect(results[title], title).toMatch(leak);
  }
});
