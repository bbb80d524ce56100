/** Timeouts, leftovers and aborts: the whole process group goes, grandchildren included. */
import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAcceptance } from "../../../src/engine/acceptance/index.ts";
import { tempDir } from "../../kit/temp-repo.ts";
import { ENV, check, pidAfter, waitGone } from "./helpers.ts";

let cwd: string;
beforeEach(() => {
  cwd = tempDir("flux-acceptance-");
});
afterEach(() => {
  fs.rmSync(cwd, { recursive: true, force: true });
});

describe("timeouts", () => {
  it("kills a check that runs too long", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [check("sleep 60", { timeoutMs: 200 }), check("true")],
    });
    expect(result.passed).toBe(false);
    expect(result.checks[0]).toMatchObject({
      timedOut: true,
      exitCode: null,
      signal: "SIGTERM",
      passed: false,
      reason: "timed out after 200ms",
    });
    expect(result.checks[1]?.skipped).toBe(true);
    expect(result.durationMs).toBeLessThan(10_000);
  });

  it("kills the grandchildren too", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [check(`sh -c 'sleep 60 & echo "bg $!"; sleep 60'`, { timeoutMs: 300 })],
    });
    expect(result.checks[0]?.timedOut).toBe(true);
    const grandchild = pidAfter("bg", result.checks[0]?.outputTail ?? "");
    expect(await waitGone(grandchild)).toBe(true);
  });

  it("escalates to SIGKILL for a group that ignores SIGTERM", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      killGraceMs: 200,
      checks: [check(`trap '' TERM; sleep 60 & echo "bg $!"; wait`, { timeoutMs: 200 })],
    });
    expect(result.checks[0]).toMatchObject({ timedOut: true, signal: "SIGKILL", exitCode: null });
    expect(await waitGone(pidAfter("bg", result.checks[0]?.outputTail ?? ""))).toBe(true);
  });
});

describe("leftovers", () => {
  it("ends what a check left running in the background once its shell exits", async () => {
    const result = await runAcceptance({
      cwd,
      env: ENV,
      checks: [check(`sleep 60 & echo "bg $!"`)],
    });
    expect(result.checks[0]).toMatchObject({ passed: true, exitCode: 0, timedOut: false });
    expect(await waitGone(pidAfter("bg", result.checks[0]?.outputTail ?? ""))).toBe(true);
    expect(result.durationMs).toBeLessThan(10_000);
  });
});

describe("abort", () => {
  it("kills the running check's group and rejects with the reason", async () => {
    const controller = new AbortController();
    let output = "";
    const run = runAcceptance({
      cwd,
      env: ENV,
      signal: controller.signal,
      checks: [check(`sleep 60 & echo "bg $!"; echo "sh $$"; wait`), check("touch later")],
      onProgress: (event) => {
        if (event.type !== "output") return;
        output += event.text;
        if (output.includes("sh ")) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(await waitGone(pidAfter("bg", output))).toBe(true);
    expect(await waitGone(pidAfter("sh", output))).toBe(true);
    expect(fs.existsSync(`${cwd}/later`)).toBe(false);
  });

  it("runs nothing when already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    const started: number[] = [];
    const run = runAcceptance({
      cwd,
      env: ENV,
      signal: controller.signal,
      checks: [check("touch ran")],
      onProgress: (event) => {
        if (event.type === "check_started") started.push(event.index);
      },
    });
    await expect(run).rejects.toThrow("shutting down");
    expect(started).toEqual([]);
    expect(fs.existsSync(`${cwd}/ran`)).toBe(false);
  });
});
