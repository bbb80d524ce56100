import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FluxError } from "../../../src/core/errors.ts";
import type { AcceptanceProgress } from "../../../src/engine/acceptance/index.ts";
import { SKIPPED_REASON, runAcceptance } from "../../../src/engine/acceptance/index.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { ENV, check, steppingClock } from "./helpers.ts";

let cwd: string;
beforeEach(() => {
  cwd = tempDir("flux-acceptance-");
});
afterEach(() => {
  fs.rmSync(cwd, { recursive: true, force: true });
});

describe("runAcceptance", () => {
  it("passes when every check exits as expected, in the worktree, with the clock given", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [check("pwd"), check("echo out; echo err >&2")],
      now: steppingClock(10),
    });
    expect(result.passed).toBe(true);
    expect(
      result.checks.map((c) => [c.passed, c.exitCode, c.signal, c.timedOut, c.skipped]),
    ).toEqual([
      [true, 0, null, false, false],
      [true, 0, null, false, false],
    ]);
    expect(result.checks[0]?.outputTail).toBe(`${cwd}\n`);
    expect(result.checks[1]?.outputTail.split("\n").sort()).toEqual(["", "err", "out"]);
    expect(result.checks[0]).not.toHaveProperty("reason");
    // Readings: run start, check 1 start/end, check 2 start/end, run end.
    expect(result.checks.map((c) => c.durationMs)).toEqual([10, 10]);
    expect(result.durationMs).toBe(50);
  });

  it("passes with no checks at all", async () => {
    expect(await runAcceptance({ cwd, env: ENV, checks: [] })).toMatchObject({
      passed: true,
      checks: [],
    });
  });

  it("fails on an unexpected exit code and skips the checks after it", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [check("true"), check("echo broken; exit 1"), check("touch ran")],
    });
    expect(result.passed).toBe(false);
    expect(result.checks[1]).toMatchObject({
      passed: false,
      exitCode: 1,
      reason: "exit 1, expected 0",
      outputTail: "broken\n",
    });
    expect(result.checks[2]).toMatchObject({
      command: "touch ran",
      skipped: true,
      passed: false,
      exitCode: null,
      reason: SKIPPED_REASON,
    });
    expect(fs.existsSync(path.join(cwd, "ran"))).toBe(false);
  });

  it("passes a non-zero exit when that is what the check expects", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [check("exit 3", { expectExit: 3 }), check("exit 0", { expectExit: 3 })],
    });
    expect(result.checks[0]?.passed).toBe(true);
    expect(result.checks[1]?.reason).toBe("exit 0, expected 3");
  });

  it("checks that stdout contains the expected text, and only stdout", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [
        check("echo 'all ok'", { stdoutContains: "ok" }),
        check("echo ok >&2; echo fine", { stdoutContains: "ok" }),
      ],
    });
    expect(result.checks[0]?.passed).toBe(true);
    expect(result.checks[1]).toMatchObject({
      passed: false,
      exitCode: 0,
      reason: 'stdout does not contain "ok"',
    });
  });

  it("reports the exit code before a missing stdout text", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [check("exit 2", { stdoutContains: "ok" })],
    });
    expect(result.checks[0]?.reason).toBe("exit 2, expected 0");
  });

  it("gives each check exactly the environment passed", async () => {
    const result = await runAcceptance({
      cwd,
      env: { ...ENV, FLUX_TEST_VALUE: "a b$c" },
      checks: [check('printf "%s|%s" "$FLUX_TEST_VALUE" "${HOME-unset}"')],
    });
    expect(result.checks[0]?.outputTail).toBe("a b$c|unset");
  });

  it("reports progress in order", async () => {
    const events: AcceptanceProgress[] = [];
    await runAcceptance({
      cwd,
      env: ENV,
      checks: [check("echo one"), check("echo two; exit 4"), check("echo three")],
      onProgress: (event) => events.push(event),
    });
    const summary = events.map((e) =>
      e.type === "output"
        ? `output ${e.index} ${e.stream} ${e.text.trim()}`
        : `${e.type} ${e.index}`,
    );
    expect(summary).toEqual([
      "check_started 0",
      "output 0 stdout one",
      "check_finished 0",
      "check_started 1",
      "output 1 stdout two",
      "check_finished 1",
    ]);
    expect(events[0]).toEqual({ type: "check_started", index: 0, command: "echo one" });
    expect(events[5]).toMatchObject({
      type: "check_finished",
      index: 1,
      passed: false,
      exitCode: 4,
    });
  });

  it("keeps the last 200 lines of a long output", async () => {
    const result = await runAcceptance({ cwd, env: ENV, checks: [check("seq 1 5000")] });
    const first = result.checks[0];
    expect(first?.outputTruncated).toBe(true);
    const lines = first?.outputTail.split("\n") ?? [];
    expect(lines).toHaveLength(201); // 200 lines and the final newline
    expect(lines[0]).toBe("4801");
    expect(lines[199]).toBe("5000");
  });

  it("keeps at most 16 KiB of output", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [check("head -c 100000 /dev/zero | tr '\\0' x; echo; echo last")],
    });
    const first = result.checks[0];
    expect(first?.outputTruncated).toBe(true);
    expect(first?.outputTail.length).toBeLessThanOrEqual(16 * 1024);
    expect(first?.outputTail.endsWith("x\nlast\n")).toBe(true);
  });

  it("does not mark a short output as truncated", async () => {
    const result = await runAcceptance({ cwd, env: ENV, checks: [check("seq 1 200")] });
    expect(result.checks[0]?.outputTruncated).toBe(false);
    expect(result.checks[0]?.outputTail.split("\n")).toHaveLength(201);
  });

  it("refuses to start in a missing directory with a clear error", async () => {
    const run = runAcceptance({
      cwd: path.join(cwd, "missing"),
      env: ENV,
      checks: [check("true")],
    });
    await expect(run).rejects.toThrow(FluxError);
    await expect(run).rejects.toMatchObject({ code: "ACCEPTANCE_START" });
  });
});
