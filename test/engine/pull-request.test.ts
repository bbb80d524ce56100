/**
 * The pull-request reconciler in process (fake clock): it looks only while a pull request is
 * open, once per `[merge] pr_poll`, at the engine's start, and never opens a second pull request
 * after a restart. The remote is a real bare repository; `gh` is the stand-in.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { pullRequestOf } from "../../src/store/pull-requests.ts";
import { bareRemote, ghStandin, mergeOnRemote } from "../kit/gh-standin.ts";
import type { GhStandin } from "../kit/gh-standin.ts";
import { tempDir } from "../kit/temp-repo.ts";
import { engineHarness } from "./harness.ts";
import type { EngineHarness } from "./harness.ts";

let h: EngineHarness | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
  if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

const POLL = 30_000;
const views = (gh: GhStandin) => gh.calls().filter((c) => c[1] === "view").length;
const creates = (gh: GhStandin) => gh.calls().filter((c) => c[1] === "create").length;

describe("the pull-request reconciler", () => {
  it("looks while the pull request is open, at start without opening another, and stops once it merged", async () => {
    scratch = tempDir("flux-pr-engine-");
    const gh = ghStandin(scratch);
    h = await engineHarness([{ id: "api", merge: "pr" }], {
      engine: {
        env: { ...gh.env, HOME: process.env.HOME },
        prPollMs: POLL,
      },
    });
    const harness = h;
    const remote = bareRemote(harness.repo.dir, scratch);
    harness.engine.requestRun({});
    const session = await harness.launched("api");
    harness.commit("api", "api.txt", "api\n");
    await (
      await harness.engine.complete("api", { sessionId: session.id })
    ).result;
    harness.engine.sessionExited(session.id, { code: 0, signal: null });
    await harness.until("the pull request", () =>
      harness.stage("api").reason?.startsWith("pull request #1 open"),
    );
    expect(harness.stage("api").state).toBe("completed");
    expect(harness.engine.awaitingPullRequests()).toEqual(["api"]);
    expect(creates(gh)).toBe(1);
    expect(views(gh)).toBe(0);

    // Each poll is one look (the timer is armed once the pass after the merge task settled).
    await harness.until("settled", () => !harness.engine.active());
    harness.clock.advance(POLL);
    await harness.until("a look", () => views(gh) === 1);

    // A restarted engine looks at once, at the same pull request.
    await harness.restart();
    await harness.until("the look at start", () => views(gh) === 2);
    expect(creates(gh)).toBe(1);

    const merge = mergeOnRemote(remote, scratch, "flux/api", "merge");
    gh.update(1, { state: "MERGED", mergeCommit: { oid: merge } });
    await harness.until("settled after the start", () => !harness.engine.active());
    harness.clock.advance(POLL);
    await harness.until("merged", () => harness.stage("api").state === "merged");
    expect(harness.stage("api").mergeCommit).toBe(merge);
    expect(harness.repo.git("rev-parse", "main").trim()).toBe(merge);
    expect(fs.existsSync(path.join(harness.repo.dir, ".worktrees", "api"))).toBe(false);

    // Nothing is open: no timer looks any more.
    await harness.until("idle", () => !harness.engine.active());
    const seen = views(gh);
    expect(harness.engine.awaitingPullRequests()).toEqual([]);
    harness.clock.advance(POLL * 4);
    await harness.until("idle again", () => !harness.engine.active());
    expect(views(gh)).toBe(seen);
  });

  it("a redone stage replaces what Flux pushed, on the same pull request, with the new evidence", async () => {
    scratch = tempDir("flux-pr-engine-");
    const gh = ghStandin(scratch);
    h = await engineHarness([{ id: "api", merge: "pr" }], {
      engine: { env: { ...gh.env, HOME: process.env.HOME }, prPollMs: POLL },
    });
    const harness = h;
    const remote = bareRemote(harness.repo.dir, scratch);
    const planId = harness.store.activePlan()!.id;
    const finish = async (file: string): Promise<string> => {
      const session = await harness.launched("api");
      const commit = harness.commit("api", file, `${file}\n`);
      await (
        await harness.engine.complete("api", { sessionId: session.id })
      ).result;
      harness.engine.sessionExited(session.id, { code: 0, signal: null });
      await harness.until("its pull request", () =>
        pullRequestOf(harness.store, planId, "api")?.headCommit === commit ? true : undefined,
      );
      return commit;
    };
    harness.engine.requestRun({});
    const first = await finish("first.txt");
    expect(gh.pull("flux/api").body).toContain(first.slice(0, 12));

    // Redone from scratch: the new commit does not descend from the pushed one.
    harness.engine.force("api", "reset", { actor: "test", reason: "redo it" });
    const worktree = path.join(harness.repo.dir, ".worktrees", "api");
    await harness.until("reset", () => harness.stage("api").state !== "completed");
    execFileSync("git", ["reset", "-q", "--hard", "main"], { cwd: worktree });
    const second = await finish("second.txt");
    expect(harness.repo.git("ls-remote", remote, "refs/heads/flux/api").split("\t")[0]).toBe(
      second,
    );
    expect(gh.pulls()).toHaveLength(1);
    expect(gh.calls().filter((c) => c[1] === "create")).toHaveLength(1);
    expect(gh.pull("flux/api").body).toContain(second.slice(0, 12));
    expect(harness.stage("api").reason).toMatch(/^pull request #1 open/);
  });
});
