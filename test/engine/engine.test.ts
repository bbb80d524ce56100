/**
 * The engine in-process: a real repository, store and Engine, the in-memory session backend and a
 * fake clock. Crash, timeout, re-check and merge paths without real agents or real timers.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readSpec } from "../../src/engine/session-files.ts";
import { tempDir } from "../kit/temp-repo.ts";
import { engineHarness, rejection } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

/** Runs a stage to its gate: its agent commits, asks, passes, and exits. */
async function toGate(harness: EngineHarness, id: string): Promise<void> {
  const session = await harness.launched(id);
  harness.commit(id, `${id}.txt`, `${id}\n`);
  await (
    await harness.engine.complete(id, { sessionId: session.id })
  ).result;
  await harness.until("the gate", () => harness.stage(id).state === "awaiting_verification");
  harness.engine.sessionExited(session.id, { code: 0, signal: null });
}

describe("engine, in process", () => {
  it("verifies a completion request, merges, and starts the dependent", async () => {
    h = await engineHarness([
      { id: "a", acceptance: ["test -f a.txt"] },
      { id: "b", dependencies: ["a"] },
    ]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    h.commit("a", "a.txt", "a\n");
    const { result } = await h.engine.complete("a", { sessionId: a.id });
    const verdict = await result;
    expect(verdict).toMatchObject({ passed: true, state: "completed" });
    await h.launched("b");
    expect(h.stage("a").state).toBe("merged");
    expect(h.repo.git("show", "main:a.txt")).toBe("a\n");
  });

  it("refuses `merge` of a running or unknown stage without blocking it (defect: STAGE_BUSY)", async () => {
    h = await engineHarness([{ id: "a" }, { id: "b", dependencies: ["a"] }]);
    h.engine.requestRun({});
    await h.launched("a");
    const running = await rejection(h.engine.merge("a"));
    expect(running.code).toBe("STAGE_NOT_MERGEABLE");
    expect(running.exitCode).toBe(4);
    const ready = await rejection(h.engine.merge("b"));
    expect(ready.code).toBe("STAGE_NOT_MERGEABLE");
    const unknown = await rejection(h.engine.merge("nope"));
    expect(unknown.code).toBe("STAGE_NOT_FOUND");
    expect(unknown.exitCode).toBe(5);
    expect(h.stage("a").state).toBe("running");
    expect(h.stage("b").state).toBe("waiting");
  });

  it("answers STAGE_CHECKING or STAGE_NOT_MERGEABLE while the acceptance runs, STAGE_BUSY to a second merge", async () => {
    // The acceptance waits on a FIFO the test opens: the stage stays `checking` meanwhile.
    const fifo = path.join(tempDir(), "go");
    execFileSync("mkfifo", [fifo]);
    h = await engineHarness([
      { id: "a", merge: "manual", acceptance: [`read go < ${JSON.stringify(fifo)}`] },
    ]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    h.commit("a", "a.txt", "a\n");
    const { result } = await h.engine.complete("a", { sessionId: a.id });
    expect(h.stage("a").state).toBe("checking");
    expect((await rejection(h.engine.merge("a"))).code).toBe("STAGE_NOT_MERGEABLE");
    expect((await rejection(h.engine.complete("a", { sessionId: a.id }))).code).toBe(
      "STAGE_CHECKING",
    );
    await fs.promises.writeFile(fifo, "go\n");
    await result;
    const first = h.engine.merge("a");
    const second = await rejection(h.engine.merge("a"));
    expect(second).toMatchObject({ code: "STAGE_BUSY", exitCode: 4 });
    expect((await first).kind).toBe("merged");
    expect(h.stage("a").state).toBe("merged");
  });

  it("restarts a crashed session with a retry, then fails the stage when retries run out", async () => {
    h = await engineHarness([{ id: "a", max_retries: 1 }]);
    h.engine.requestRun({});
    const first = await h.launched("a");
    h.backend.exit("flux-a", 1);
    // The process backend reports the exit; the runner's report gets a grace period first.
    await h.until("the report grace timer", () => h?.clock.dueWithin(3_000) === 1);
    h.clock.advance(3_000);
    const second = await h.launched("a");
    expect(second.id).not.toBe(first.id);
    expect(second.purpose).toBe("retry");
    expect(h.stage("a").retries).toBe(1);
    h.engine.sessionExited(second.id, { code: 2, signal: null });
    await h.until("failed", () => h?.stage("a").state === "failed");
    expect(h.stage("a").reason).toMatch(/code 2.*retries exhausted/);
  });

  it("stops a session at the stage's timeout and retries it; long timeouts do not fire early", async () => {
    h = await engineHarness([
      { id: "a", timeout: "10m" },
      { id: "b", timeout: "30d" },
    ]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    const b = await h.launched("b");
    h.clock.advance(10 * 60_000 - 1);
    expect(h.stage("a").state).toBe("running");
    h.clock.advance(1);
    const retry = await h.launched("a");
    expect(retry.id).not.toBe(a.id);
    expect(h.backend.killed).toContain("flux-a");
    expect(h.session("a").purpose).toBe("retry");
    // 25 days is past setTimeout's 2^31-1 ms: the session of b keeps running.
    h.clock.advance(25 * 86_400_000);
    expect(h.stage("b").state).toBe("running");
    expect(h.session("b").id).toBe(b.id);
    h.clock.advance(5 * 86_400_000);
    await h.launched("b");
  });

  it("re-checks a branch that moved after its acceptance passed before merging it", async () => {
    h = await engineHarness([{ id: "a", merge: "manual", acceptance: ["test -f a.txt"] }]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    const passed = h.commit("a", "a.txt", "a\n");
    await (
      await h.engine.complete("a", { sessionId: a.id })
    ).result;
    expect(h.stage("a")).toMatchObject({ state: "completed", passedCommit: passed });
    const moved = h.commit("a", "more.txt", "more\n");
    const outcome = await h.engine.merge("a");
    expect(outcome).toEqual({ kind: "rechecking", commit: moved });
    // Waiting for `flux merge` again: no task in flight, the moved head passed.
    await h.until("the re-check", () =>
      h?.engine.progress().waiting.some((w) => w.id === "a" && w.state === "completed"),
    );
    expect(h.stage("a").passedCommit).toBe(moved);
    const merged = await h.engine.merge("a");
    expect(merged.kind).toBe("merged");
    expect(h.repo.git("show", "main:more.txt")).toBe("more\n");
  });

  it("recognises a merge a killed daemon made, its branch and worktree gone, and never makes it twice", async () => {
    h = await engineHarness([{ id: "a", merge: "manual", acceptance: ["test -f a.txt"] }]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    const passed = h.commit("a", "a.txt", "a\n");
    await (
      await h.engine.complete("a", { sessionId: a.id })
    ).result;
    h.engine.sessionExited(a.id, { code: 0, signal: null });
    await h.until("a's session ended", () => h?.session("a").endedAt !== null);
    await h.engine.stop();
    // What the killed daemon did before it could record `merged`: the merge, the worktree's
    // and the branch's removal.
    h.repo.git("merge", "-q", "--no-ff", "-m", "Merge flux/a", "flux/a");
    const mergeCommit = h.repo.git("rev-parse", "main").trim();
    h.repo.git("worktree", "remove", path.join(h.repo.dir, ".worktrees", "a"));
    h.repo.git("branch", "-D", "flux/a");
    await h.restart();
    expect(h.stage("a")).toMatchObject({ state: "completed", passedCommit: passed });
    expect(await h.engine.merge("a")).toEqual({ kind: "merged", mergeCommit });
    expect(h.stage("a").state).toBe("merged");
    expect(h.repo.git("rev-parse", "main").trim()).toBe(mergeCommit);
  });

  it("runs the acceptance of an agent that exits 0 without asking, and merges on a pass", async () => {
    h = await engineHarness([{ id: "a", acceptance: ["test -f a.txt"] }]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    h.commit("a", "a.txt", "a\n");
    h.engine.sessionExited(a.id, { code: 0, signal: null });
    await h.until("merged", () => h?.stage("a").state === "merged");
  });

  it("gives the gate's refusals their own codes", async () => {
    h = await engineHarness([{ id: "a", verify: "human" }]);
    const unknown = await rejection(h.engine.evidence("nosuch"));
    expect(unknown.code).toBe("STAGE_NOT_FOUND");
    const early = await rejection(h.engine.evidence("a"));
    expect(early.code).toBe("STAGE_NOT_AT_GATE");
    expect(() => h?.engine.approve("a", "human")).toThrow(/not awaiting verification/);
  });

  it("stop() waits for the tasks in flight", async () => {
    h = await engineHarness([{ id: "a", acceptance: ["sleep 0.2"] }]);
    h.engine.requestRun({});
    const a = await h.launched("a");
    h.commit("a", "a.txt", "a\n");
    const { result } = await h.engine.complete("a", { sessionId: a.id });
    await h.engine.stop();
    expect(h.stage("a").state).not.toBe("checking");
    await result;
  });
});

describe("a worktree deleted by hand", () => {
  it("is checked out again from its branch for the gate's evidence; nothing is lost", async () => {
    h = await engineHarness([{ id: "a", verify: "human", acceptance: ["test -f a.txt"] }]);
    h.engine.requestRun({});
    await toGate(h, "a");
    const dir = path.join(h.repo.dir, ".worktrees", "a");
    fs.rmSync(dir, { recursive: true, force: true });
    const evidence = await (await h.engine.evidence("a")).result;
    expect(evidence.passed).toBe(true);
    expect(fs.readFileSync(path.join(dir, "a.txt"), "utf8")).toBe("a\n");
    expect(h.events.some((e) => e.type === "run.notice")).toBe(true);
    expect(h.stage("a").state).toBe("awaiting_verification");
  });
});

describe("engine restarts", () => {
  it("remembers the run's scope, purposes and environment: an approval after a restart starts the dependents", async () => {
    h = await engineHarness([
      { id: "a", verify: "human" },
      { id: "b", dependencies: ["a"] },
      { id: "other" },
    ]);
    h.engine.requestRun({
      stage: "b",
      withDeps: true,
      env: { PATH: process.env.PATH, MARK: "run-env" },
    });
    await toGate(h, "a");
    await h.restart();
    h.engine.approve("a", "human");
    await h.until("merged", () => h?.stage("a").state === "merged");
    const b = await h.launched("b");
    expect(readSpec(h.stateDir, b.id).env.MARK).toBe("run-env");
    // Out of scope: never started.
    expect(h.stage("other").state).toBe("ready");
    expect(h.engine.progress().waiting.map((w) => w.id)).toEqual([]);
  });

  it("keeps a rejected gate's purpose across a restart", async () => {
    h = await engineHarness([{ id: "a", verify: "human" }]);
    h.engine.requestRun({});
    await toGate(h, "a");
    // The rejection is recorded, then the daemon goes before its pass starts the new session.
    h.engine.reject("a", "say hello", "human");
    await h.restart();
    const next = await h.launched("a");
    expect(next.purpose).toBe("rejected");
  });
});
