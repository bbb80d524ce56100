/**
 * Conflict-resolution sessions in process (real git, real SQLite, memory backend; the test
 * plays each command-agent session): `merge_conflict: agent` starts a session that merges the
 * base in, resolves and asks again, and the base does not move until its acceptance passed;
 * resolutions count toward `max_fix_attempts`; `flux merge --resolve` asks for one by hand; a
 * daemon killed around the request neither loses the resolution nor starts it twice.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isFluxError } from "../../src/core/errors.ts";
import { signalFile } from "../../src/engine/session-files.ts";
import { readStageRuns, writeStageRun } from "../../src/store/run-state.ts";
import { engineHarness } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Agent",
  GIT_AUTHOR_EMAIL: "agent@flux.invalid",
  GIT_COMMITTER_NAME: "Agent",
  GIT_COMMITTER_EMAIL: "agent@flux.invalid",
};

/** git in the stage's worktree, as its agent runs it; a failing command returns its status. */
function agentGit(harness: EngineHarness, stageId: string, ...args: string[]): number {
  try {
    execFileSync("git", args, {
      cwd: path.join(harness.repo.dir, ".worktrees", stageId),
      env: GIT_ENV,
      stdio: "ignore",
    });
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? 1;
  }
}

const tipOf = (harness: EngineHarness, branch: string) =>
  harness.repo.git("rev-parse", branch).trim();

/** The base changes a.txt after the stage started: the stage's own a.txt will conflict. */
function baseMoves(harness: EngineHarness): string {
  harness.repo.write("a.txt", "base\n");
  harness.repo.git("add", "a.txt");
  harness.repo.git("commit", "-qm", "base a.txt");
  return tipOf(harness, "main");
}

/**
 * The first session writes its a.txt while the base adds its own, and asks to complete: it
 * passes, and its merge conflicts. Returns the base's tip as the conflict finds it.
 */
async function firstPassesThenConflicts(harness: EngineHarness, stageId: string): Promise<string> {
  const first = await harness.launched(stageId);
  const base = baseMoves(harness);
  harness.commit(stageId, "a.txt", "stage\n");
  await (
    await harness.engine.complete(stageId, { sessionId: first.id })
  ).result;
  return base;
}

/** Plays a resolution session: merge the base in, keep both sides, commit, ask to complete. */
async function resolves(harness: EngineHarness, stageId: string, sessionId: string) {
  expect(agentGit(harness, stageId, "merge", "main")).not.toBe(0); // the conflict, in the worktree
  fs.writeFileSync(path.join(harness.repo.dir, ".worktrees", stageId, "a.txt"), "base\nstage\n");
  expect(agentGit(harness, stageId, "commit", "-qam", "Merge main: keep both")).toBe(0);
  return (await harness.engine.complete(stageId, { sessionId })).result;
}

const NO_MARKERS = "! grep -q '<<<<<<<' a.txt";

describe("conflict-resolution sessions", () => {
  it("merge_conflict: agent: a session merges the base in and resolves; the base moves only once its acceptance passed", async () => {
    h = await engineHarness([
      { id: "a", acceptance: ["test -f a.txt", NO_MARKERS], merge_conflict: "agent" },
    ]);
    h.engine.requestRun({});
    const base = await firstPassesThenConflicts(h, "a");

    const resolver = await h.launched("a");
    expect(resolver.purpose).toBe("resolve");
    expect(h.stage("a")).toMatchObject({
      state: "running",
      fixAttempts: 1,
      reason: "resolving a conflict with main",
    });
    const signal = fs.readFileSync(signalFile(h.paths.work, resolver.id), "utf8");
    expect(signal).toContain("now conflicts with your branch in `a.txt`");
    expect(signal).toContain("run `git merge main`");
    expect(signal).toContain(`- \`${base.slice(0, 8)}\` base a.txt`);
    expect(signal).toContain("`main` is untouched until your resolution passes acceptance");
    expect(tipOf(h, "main")).toBe(base);

    const verdict = await resolves(h, "a", resolver.id);
    expect(verdict).toMatchObject({ passed: true });
    const merged = await h.until("merged", () => h?.stage("a").state === "merged" && h.stage("a"));
    expect(h.repo.git("show", "main:a.txt")).toBe("base\nstage\n");
    expect(h.repo.git("merge-base", "--is-ancestor", base, "main")).toBe("");
    expect(merged.mergeCommit).toBe(tipOf(h, "main"));
    // Only the merge moved the base: its first parent is the base as the conflict found it.
    expect(tipOf(h, "main^1")).toBe(base);
  });

  it("resolutions that keep conflicting use up max_fix_attempts, then the stage blocks for a human; `flux merge --resolve` asks for one more", async () => {
    h = await engineHarness([
      { id: "a", acceptance: ["test -f a.txt"], merge_conflict: "agent", max_fix_attempts: 2 },
    ]);
    h.engine.requestRun({});
    const base = await firstPassesThenConflicts(h, "a");
    // Two resolution sessions that ask to complete without merging the base in.
    for (const attempt of [1, 2]) {
      const session = await h.launched("a");
      expect(session.purpose).toBe("resolve");
      expect(h.stage("a").fixAttempts).toBe(attempt);
      await (
        await h.engine.complete("a", { sessionId: session.id })
      ).result;
    }
    const blocked = await h.until(
      "blocked",
      () => h?.stage("a").state === "blocked" && h.stage("a"),
    );
    expect(blocked.reason).toContain("in .worktrees/a run `git merge main`, resolve, commit");
    expect(blocked.reason).toContain("2 fix attempts used");
    expect(tipOf(h, "main")).toBe(base);

    // A human hands it to an agent once more.
    const after = h.engine.resolve("a");
    expect(after).toMatchObject({ state: "ready", fixAttempts: 3 });
    const resolver = await h.launched("a");
    expect(resolver.purpose).toBe("resolve");
    await resolves(h, "a", resolver.id);
    await h.until("merged", () => h?.stage("a").state === "merged");
    expect(h.repo.git("show", "main:a.txt")).toBe("base\nstage\n");
  });

  it("a resolution that fails its acceptance goes through the fix loop and blocks after max_fix_attempts; the base never moves", async () => {
    h = await engineHarness([
      { id: "a", acceptance: [NO_MARKERS], merge_conflict: "agent", max_fix_attempts: 2 },
    ]);
    h.engine.requestRun({});
    const base = await firstPassesThenConflicts(h, "a");
    const resolver = await h.launched("a");
    // It commits the conflict markers: acceptance fails (fix attempt 2 of 2), then blocks.
    expect(agentGit(h, "a", "merge", "main")).not.toBe(0);
    expect(agentGit(h, "a", "commit", "-qam", "merge main, markers and all")).toBe(0);
    const first = await (await h.engine.complete("a", { sessionId: resolver.id })).result;
    expect(first).toMatchObject({ passed: false });
    const blocked = await h.until(
      "blocked",
      () => h?.stage("a").state === "blocked" && h.stage("a"),
    );
    expect(blocked.fixAttempts).toBe(2);
    expect(tipOf(h, "main")).toBe(base);
    // Blocked by failed acceptance, not by a conflict: no resolution session for it.
    const refused = (() => {
      try {
        h.engine.resolve("a");
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(isFluxError(refused) && refused.code).toBe("STAGE_NOT_CONFLICTED");
  });

  it("refuses `flux merge --resolve` on a stage that no conflict blocked", async () => {
    h = await engineHarness([{ id: "a" }]);
    h.engine.requestRun({});
    await h.launched("a");
    expect(() => h?.engine.resolve("a")).toThrow(/only a stage blocked by a merge conflict/);
  });

  it("a daemon killed after the request starts exactly one resolution session; one killed while it runs adopts it", async () => {
    h = await engineHarness([{ id: "a", acceptance: ["test -f a.txt"] }]);
    h.engine.requestRun({});
    const base = await firstPassesThenConflicts(h, "a");
    await h.until("blocked", () => h?.stage("a").state === "blocked");
    await h.engine.stop();
    // What `requestResolution` writes, and nothing after it: the daemon died before the start.
    const store = h.store;
    const planId = store.activePlan()?.id ?? 0;
    writeStageRun(store, planId, "a", {
      nextPurpose: "resolve",
      mergeHeld: false,
      manualCommand: null,
    });
    store.transition(planId, "a", "resolve_requested", { actor: "flux" });
    await h.restart();
    const resolver = await h.launched("a");
    expect(resolver.purpose).toBe("resolve");
    expect(readStageRuns(store, planId).get("a")?.nextPurpose ?? null).toBeNull();
    // The signal still says what to resolve: the conflict is the stage's feedback.
    const signal = fs.readFileSync(signalFile(h.paths.work, resolver.id), "utf8");
    expect(signal).toContain("run `git merge main`");

    // Killed again while it works: the live session is adopted, not replaced.
    const launch = h.backend.session("flux-a")?.seq;
    await h.restart();
    await h.until("a settled pass", () => h?.stage("a").state === "running");
    await resolves(h, "a", resolver.id);
    await h.until("merged", () => h?.stage("a").state === "merged");
    expect(h.backend.session("flux-a")?.seq).toBe(launch);
    expect(h.repo.git("show", "main:a.txt")).toBe("base\nstage\n");
    expect(tipOf(h, "main^1")).toBe(base);
  });
});
