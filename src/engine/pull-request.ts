/**
 * `merge: pr` for the engine: a finished stage's commit is pushed to `flux/<id>` on the remote
 * and a pull request is opened with `gh` (or an open one for that branch is adopted, so a daemon
 * killed between opening and recording never opens a second); the stage then waits, merge held,
 * with the pull request in its reason. Reconciling asks `gh pr view` (squash and rebase merges
 * leave no ancestry), or git ancestry when `gh` is absent. Merged: the local base is brought up
 * to the remote's (`updateBaseFromRemote`, also for other callers) and the stage is `merged`, so
 * its dependents start from there. Closed unmerged: the stage is blocked with the reason.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  GH_ABSENT,
  createPull,
  editPullBody,
  listOpenPulls,
  viewPull,
  type GhOptions,
} from "../adapters/gh/index.ts";
import {
  dirtyFilesAsync,
  fastForward,
  fetchBranch,
  isAncestorAsync,
  mergeStage,
  pushCommit,
  remoteMissing,
  remoteUrl,
  removeWorktree,
  stageBranch,
  worktreePath,
} from "../adapters/git/index.ts";
import { FluxError } from "../core/errors.ts";
import {
  closedReason,
  decidePull,
  openReason,
  pullName,
  pullRequestBody,
  pullRequestTitle,
  type PullObservation,
  type PullRef,
} from "../core/merge/index.ts";
import { acceptanceRuns } from "../store/acceptance.ts";
import type { PullRequestRecord } from "../store/pull-requests.ts";
import { pullRequestOf, savePullRequest, setPullRequestState } from "../store/pull-requests.ts";
import { listSessions } from "../store/sessions.ts";
import type { EngineContext } from "./context.ts";
import type { MergeOutcome } from "./merge.ts";
import { finishMerge } from "./merged.ts";

/** `[merge] remote`'s default. */
export const DEFAULT_REMOTE = "origin";
/** `[merge] pr_poll`'s default: how often open pull requests are looked at. */
export const DEFAULT_PR_POLL_MS = 60_000;

function ghOptions(ctx: EngineContext): GhOptions {
  return { cwd: ctx.paths.root, env: ctx.run.env };
}

function refOf(ctx: EngineContext, pr: PullRequestRecord): PullRef {
  return { ...pr, baseBranch: ctx.plan().baseBranch };
}

/**
 * The merge of a `merge: pr` stage whose branch holds exactly `commit` (merge.ts checked it):
 * looks at its pull request when one was opened for that commit, else pushes and opens one.
 */
export async function pullRequestTask(
  ctx: EngineContext,
  stageId: string,
  commit: string,
): Promise<MergeOutcome> {
  const record = pullRequestOf(ctx.store, ctx.plan().id, stageId);
  if (record !== undefined && record.headCommit === commit && record.state !== "merged")
    return reconcile(ctx, stageId, record);
  return open(ctx, stageId, commit, record);
}

/**
 * `flux merge <id>` of a `merge: pr` stage while the reconciler looks at its pull request (a
 * timer, the daemon's start): the human's look waits for that one instead of being refused, and
 * when it found the pull request merged, that is the answer.
 */
export async function afterPullRequestLook(
  ctx: EngineContext,
  stageId: string,
): Promise<MergeOutcome | undefined> {
  if (ctx.stage(stageId).spec.merge !== "pr" || ctx.tasks.what(stageId) !== "merge")
    return undefined;
  await ctx.tasks.idle(stageId);
  const stage = ctx.stage(stageId);
  if (stage.state === "merged" && stage.mergeCommit !== null)
    return { kind: "merged", mergeCommit: stage.mergeCommit };
  return undefined;
}

async function open(
  ctx: EngineContext,
  stageId: string,
  commit: string,
  previous: PullRequestRecord | undefined,
): Promise<MergeOutcome> {
  const plan = ctx.plan();
  const root = ctx.paths.root;
  const remote = ctx.pullRequests.remote;
  const branch = stageBranch(stageId);
  const env = ctx.run.env;
  if ((await remoteUrl(root, remote)) === undefined) throw remoteMissing(remote);
  try {
    await pushCommit({ root, remote, commit, branch, env });
  } catch (error) {
    // A redone stage replaces what Flux pushed before, and only that.
    if (!(error instanceof FluxError) || previous === undefined) throw error;
    await pushCommit({ root, remote, commit, branch, env, replaces: previous.headCommit });
  }
  ctx.log(`${stageId}: pushed ${commit.slice(0, 8)} to ${remote}/${branch}`);

  const gh = ghOptions(ctx);
  const found = await listOpenPulls(branch, gh);
  let pull: { number: number; url: string } | undefined;
  if (found !== GH_ABSENT) {
    pull = found[0];
    if (pull !== undefined) {
      ctx.log(`${stageId}: pull request #${pull.number} is open already`);
      // Flux's own pull request for a redone stage: its evidence is the new commit's now. (One
      // found without a record is kept as it is: a daemon killed after opening it, or a human's.)
      if (previous !== undefined && previous.number === pull.number) {
        const number = pull.number;
        await withBodyFile(bodyFor(ctx, stageId, commit), (bodyFile) =>
          editPullBody(number, bodyFile, gh),
        );
      }
    } else {
      const created = await withBodyFile(bodyFor(ctx, stageId, commit), (bodyFile) =>
        createPull(
          {
            base: plan.baseBranch,
            head: branch,
            title: pullRequestTitle(ctx.stage(stageId).spec),
            bodyFile,
          },
          gh,
        ),
      );
      if (created !== GH_ABSENT) pull = created;
    }
  }
  const record = {
    stageId,
    remote,
    branch,
    headCommit: commit,
    number: pull?.number ?? null,
    url: pull?.url ?? null,
    state: "open" as const,
  };
  savePullRequest(ctx.store, plan.id, record);
  if (pull !== undefined) ctx.log(`${stageId}: pull request #${pull.number} ${pull.url}`);
  return wait(ctx, stageId, openReason({ ...record, baseBranch: plan.baseBranch }));
}

/** The stage waits for its pull request: its merge is held, the reason says where to look. */
function wait(ctx: EngineContext, stageId: string, reason: string): MergeOutcome {
  ctx.run.holdMerge(stageId);
  if (ctx.stage(stageId).reason !== reason) ctx.note(stageId, { reason });
  return { kind: "waiting", reason };
}

/** What the pull request says now, and what that means for the stage. */
async function reconcile(
  ctx: EngineContext,
  stageId: string,
  record: PullRequestRecord,
): Promise<MergeOutcome> {
  const plan = ctx.plan();
  const decision = decidePull(await observe(ctx, record));
  const ref = refOf(ctx, record);
  switch (decision.kind) {
    case "open":
      if (record.state !== "open") setPullRequestState(ctx.store, plan.id, stageId, "open");
      return wait(ctx, stageId, openReason(ref));
    case "closed": {
      const reason = closedReason(ref);
      setPullRequestState(ctx.store, plan.id, stageId, "closed");
      ctx.run.releaseMerge(stageId);
      ctx.move(stageId, "block", reason);
      return { kind: "blocked", reason };
    }
    case "merged": {
      const update = await updateBaseFromRemote(ctx, {
        remote: record.remote,
        stageId,
        why: pullName(ref),
      });
      if (update.kind === "overlap") {
        wait(
          ctx,
          stageId,
          `${pullName(ref)} is merged, but ${plan.baseBranch} cannot follow ${record.remote}/${plan.baseBranch} yet: your uncommitted changes to ${update.files.join(", ")} overlap; commit or stash them, then \`flux merge ${stageId}\``,
        );
        return { kind: "overlap", files: update.files };
      }
      if (update.kind === "conflict") {
        const reason = `${pullName(ref)} is merged, but ${plan.baseBranch} has commits that conflict with ${record.remote}/${plan.baseBranch} in ${update.files.join(", ")}: merge ${record.remote}/${plan.baseBranch} into ${plan.baseBranch} yourself, then \`flux merge ${stageId}\``;
        ctx.run.releaseMerge(stageId);
        ctx.move(stageId, "block", reason);
        return { kind: "blocked", reason };
      }
      return finishPullRequest(ctx, stageId, decision.mergeCommit);
    }
  }
}

/** Asks gh about the pull request; without gh (or a number), asks git about ancestry. */
async function observe(ctx: EngineContext, record: PullRequestRecord): Promise<PullObservation> {
  const root = ctx.paths.root;
  const fetchBase = () =>
    fetchBranch({
      root,
      remote: record.remote,
      branch: ctx.plan().baseBranch,
      env: ctx.run.env,
    });
  if (record.number !== null) {
    const view = await viewPull(record.number, ghOptions(ctx));
    if (view === undefined)
      throw new FluxError(
        "GH_FAILED",
        `gh finds no pull request #${record.number} for ${record.branch}`,
        { hint: `\`flux stage ${record.stageId} reset\` redoes the stage and opens a new one` },
      );
    if (view !== GH_ABSENT) {
      const remoteBase = view.state === "MERGED" ? await fetchBase() : undefined;
      return { kind: "gh", state: view.state, mergeCommit: view.mergeCommit, remoteBase };
    }
  }
  const remoteBase = await fetchBase();
  const onRemoteBase =
    remoteBase !== undefined && (await isAncestorAsync(root, record.headCommit, remoteBase));
  return { kind: "ancestry", onRemoteBase, remoteBase };
}

export type BaseUpdate =
  | { kind: "updated"; base: string }
  | { kind: "overlap"; files: string[] }
  | { kind: "conflict"; files: string[] };

/**
 * Brings the local base branch up to the remote's after a pull request merged there: a
 * fast-forward when the local base has nothing of its own, else a merge commit of the remote's
 * base; either way without touching the user's unrelated files in a checked-out base. One
 * function for every caller that needs the base after a pull request (stacked stages too).
 */
export async function updateBaseFromRemote(
  ctx: EngineContext,
  options: { remote: string; stageId: string; why: string },
): Promise<BaseUpdate> {
  const root = ctx.paths.root;
  const baseBranch = ctx.plan().baseBranch;
  const tip = await fetchBranch({
    root,
    remote: options.remote,
    branch: baseBranch,
    env: ctx.run.env,
  });
  if (tip === undefined)
    throw new FluxError(
      "GIT_UNKNOWN_REF",
      `${options.remote} has no branch ${baseBranch} to bring ${baseBranch} up to`,
      { hint: `\`git ls-remote ${options.remote}\` lists its branches` },
    );
  const ff = await fastForward({ root, baseBranch, commit: tip });
  switch (ff.kind) {
    case "merged":
    case "up_to_date":
      return { kind: "updated", base: tip };
    case "overlap":
      return ff;
    case "not_fast_forward": {
      const merged = await mergeStage({
        root,
        baseBranch,
        commit: tip,
        stageId: options.stageId,
        message: `Merge ${options.remote}/${baseBranch} (${options.why})`,
      });
      if (merged.kind === "merged" || merged.kind === "up_to_date")
        return { kind: "updated", base: tip };
      return merged;
    }
  }
}

/**
 * Records the stage merged; its worktree goes when clean (removePullRequestWorktree: after a
 * squash or rebase merge its commits are not on the base, but they are on the pull request).
 */
async function finishPullRequest(
  ctx: EngineContext,
  stageId: string,
  mergeCommit: string,
): Promise<MergeOutcome> {
  const outcome = await finishMerge(ctx, stageId, mergeCommit);
  setPullRequestState(ctx.store, ctx.plan().id, stageId, "merged");
  return outcome;
}

/** Removes a merged `merge: pr` stage's worktree when it has no uncommitted changes. */
export async function removePullRequestWorktree(
  ctx: EngineContext,
  stageId: string,
): Promise<void> {
  const root = ctx.paths.root;
  const wt = worktreePath(root, stageId);
  if (!fs.existsSync(wt)) return;
  const dirty = await dirtyFilesAsync(wt).catch(() => ["(unreadable)"]);
  if (dirty.length > 0) {
    ctx.log(`kept .worktrees/${stageId}: ${dirty.length} uncommitted path(s)`);
    return;
  }
  await removeWorktree({ root, stageId, baseBranch: ctx.plan().baseBranch, force: true }).catch(
    (error: unknown) => {
      if (!(error instanceof FluxError)) throw error;
      ctx.log(`kept .worktrees/${stageId}: ${error.message}`);
    },
  );
}

/** The facts of the description: the stage, the passing acceptance on `commit`, its sessions. */
function bodyFor(ctx: EngineContext, stageId: string, commit: string): string {
  const plan = ctx.plan();
  const stage = ctx.stage(stageId);
  const passed = acceptanceRuns(ctx.store, plan.id, stageId)
    .filter((r) => r.passed && r.commit === commit)
    .at(-1);
  const sessions = listSessions(ctx.store, plan.id).filter((s) => s.stageId === stageId);
  return pullRequestBody({
    stage: { id: stage.id, name: stage.spec.name, description: stage.spec.description },
    branch: stageBranch(stageId),
    baseBranch: plan.baseBranch,
    commit,
    acceptance:
      passed === undefined
        ? undefined
        : { trigger: passed.trigger, durationMs: passed.durationMs, checks: passed.checks },
    sessions: sessions.map((s) => ({
      id: s.id,
      agent: s.agent,
      purpose: s.purpose,
      status: s.status,
      durationMs: s.endedAt === null ? null : Date.parse(s.endedAt) - Date.parse(s.createdAt),
      inputTokens: s.inputTokens,
      outputTokens: s.outputTokens,
      costUsd: s.costUsd,
      costEstimated: s.costEstimated,
    })),
  });
}

/** The description goes to gh as a file (never inline); the file goes once gh is done. */
async function withBodyFile<T>(body: string, use: (file: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flux-pr-"));
  try {
    const file = path.join(dir, "body.md");
    fs.writeFileSync(file, body);
    return await use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
