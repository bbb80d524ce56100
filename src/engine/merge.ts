/**
 * Merging a finished stage into the base branch (DESIGN.md §3). The merge takes exactly the
 * commit that passed acceptance; if the branch moved since, the new head is checked first.
 * `auto` makes a merge commit without touching the user's unrelated files; `direct`
 * fast-forwards, rebasing and re-checking when it cannot. A conflict blocks the stage with what
 * to do; the user's overlapping uncommitted files make the merge wait for `flux merge`.
 */
import {
  branchTipAsync,
  fastForward,
  headCommitAsync,
  isAncestorAsync,
  mergedByAsync,
  mergeStage,
  rebaseOnto,
  removeWorktree,
  stageBranch,
  worktreePath,
} from "../adapters/git/index.ts";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { StageRecord } from "../store/store.ts";
import { latestSession } from "../store/sessions.ts";
import { recordFailure } from "../store/session-records.ts";
import type { EngineContext } from "./context.ts";
import { finishMerge } from "./merged.ts";
import { conflictFound } from "./resolve.ts";
import { afterPullRequestLook, pullRequestTask } from "./pull-request.ts";

export type MergeOutcome =
  | { kind: "merged"; mergeCommit: string }
  | { kind: "conflict"; files: string[] }
  | { kind: "overlap"; files: string[] }
  | { kind: "rechecking"; commit: string }
  | { kind: "waiting"; reason: string }
  | { kind: "blocked"; reason: string };

/**
 * `flux merge <id>`: merge now (manual mode, after the user's overlapping files are committed,
 * or after a conflict was resolved on the branch). The preconditions are checked before any
 * task starts, and the merge's own error goes back to the caller: it never blocks the stage.
 */
export async function mergeNow(ctx: EngineContext, stageId: string): Promise<MergeOutcome> {
  const looked = await afterPullRequestLook(ctx, stageId);
  if (looked !== undefined) return looked;
  const stage = ctx.stage(stageId);
  mergeable(stage, true);
  ctx.run.releaseMerge(stageId);
  return await ctx.tasks.run(stageId, "merge", () => mergeTask(ctx, stageId, true));
}

/** Only a completed or verified stage merges (or, asked by a human, one blocked on a conflict). */
function mergeable(stage: StageRecord, requested: boolean): void {
  if (stage.state === "completed" || stage.state === "verified") return;
  if (stage.state === "blocked" && requested) return;
  throw new FluxError(
    "STAGE_NOT_MERGEABLE",
    `${stage.id} is ${stage.state}: only a completed or verified stage merges`,
    {
      hint:
        stage.state === "awaiting_verification"
          ? `approve it first: \`flux verify ${stage.id}\``
          : stage.state === "blocked"
            ? `a human resolves what blocked it, then \`flux merge ${stage.id}\` or \`flux resume ${stage.id}\``
            : "`flux status` shows where it stands",
      exitCode: ExitCode.refused,
    },
  );
}

export async function mergeTask(
  engine: EngineContext,
  stageId: string,
  requested: boolean,
): Promise<MergeOutcome> {
  const plan = engine.plan();
  const stage = engine.stage(stageId);
  const root = engine.paths.root;
  const branch = stageBranch(stageId);
  mergeable(stage, requested);
  if (stage.state === "blocked") {
    // After a conflict the human merged the base into the branch: check it again.
    engine.run.releaseMerge(stageId);
    return recheck(engine, stageId, "the branch after the conflict was resolved");
  }
  if (stage.spec.merge === "manual" && !requested)
    return { kind: "waiting", reason: `merge: manual — waiting for \`flux merge ${stageId}\`` };
  const tip = await branchTipAsync(root, branch);
  if (tip === undefined && stage.passedCommit !== null) {
    // A daemon killed after merging and removing the branch, before it recorded `merged`: the
    // merge is on the base already (by ancestry), and is never made twice.
    if (await isAncestorAsync(root, stage.passedCommit, plan.baseBranch)) {
      const by = await mergedByAsync(root, stage.passedCommit, plan.baseBranch);
      const mergeCommit =
        stage.spec.merge === "direct" ? stage.passedCommit : (by ?? stage.passedCommit);
      engine.log(`${stageId}: ${stage.passedCommit.slice(0, 8)} is on ${plan.baseBranch} already`);
      return finishMerge(engine, stageId, mergeCommit);
    }
  }
  const head = tip ?? (await headCommitAsync(root, branch));
  const commit = stage.passedCommit ?? head;
  if (head !== commit)
    return recheck(
      engine,
      stageId,
      `the branch moved since its acceptance passed (${commit.slice(0, 8)} → ${head.slice(0, 8)})`,
    );
  if (stage.spec.merge === "pr") return pullRequestTask(engine, stageId, commit);

  // Both take the repository's merge lock themselves.
  const result =
    stage.spec.merge === "direct"
      ? await fastForward({ root, baseBranch: plan.baseBranch, commit })
      : await mergeStage({
          root,
          baseBranch: plan.baseBranch,
          commit,
          stageId,
          message: `Merge ${branch}: ${stage.spec.name}`,
        });
  switch (result.kind) {
    case "merged":
    case "up_to_date": {
      if (!(await isAncestorAsync(root, commit, plan.baseBranch))) {
        throw new FluxError(
          "MERGE_NOT_ON_BASE",
          `after merging, ${plan.baseBranch} does not contain ${commit.slice(0, 8)}`,
          { exitCode: ExitCode.internal },
        );
      }
      const mergeCommit =
        result.kind === "merged"
          ? result.mergeCommit
          : await headCommitAsync(root, plan.baseBranch);
      return finishMerge(engine, stageId, mergeCommit);
    }
    case "conflict": {
      const files = result.files.join(", ");
      conflicted(engine, stageId);
      await conflictFound(
        engine,
        stageId,
        result.files,
        `conflicts with ${plan.baseBranch} in ${files}: in .worktrees/${stageId} run \`git merge ${plan.baseBranch}\`, resolve, commit, then \`flux merge ${stageId}\``,
      );
      return { kind: "conflict", files: result.files };
    }
    case "overlap": {
      engine.run.holdMerge(stageId);
      engine.note(stageId, {
        reason: `waiting: your uncommitted changes to ${result.files.join(", ")} overlap this merge; commit or stash them, then \`flux merge ${stageId}\``,
      });
      return { kind: "overlap", files: result.files };
    }
    case "not_fast_forward": {
      const rebased = await rebaseOnto({
        worktree: worktreePath(root, stageId),
        baseBranch: plan.baseBranch,
      });
      if (rebased.kind === "conflict") {
        conflicted(engine, stageId);
        await conflictFound(
          engine,
          stageId,
          rebased.files,
          `rebasing onto ${plan.baseBranch} conflicts in ${rebased.files.join(", ")}: resolve in .worktrees/${stageId} (\`git rebase ${plan.baseBranch}\`), then \`flux merge ${stageId}\``,
        );
        return { kind: "conflict", files: rebased.files };
      }
      return recheck(engine, stageId, `rebased onto ${plan.baseBranch}`);
    }
  }
}

/** The stage's last session's work conflicts with the base: its failure class says so. */
function conflicted(engine: EngineContext, stageId: string): void {
  const last = latestSession(engine.store, engine.plan().id, stageId);
  if (last !== undefined && last.failure === null)
    engine.store.write((emit) => recordFailure(engine.store, emit, last.id, "merge_conflict"));
}

async function recheck(engine: EngineContext, stageId: string, why: string): Promise<MergeOutcome> {
  const commit = await headCommitAsync(worktreePath(engine.paths.root, stageId));
  engine.move(stageId, "recheck_requested", `checking again: ${why}`);
  // The verdict is queued as the stage's next task: it runs once this merge task has ended.
  engine
    .verdict(stageId, { trigger: "recheck", commit })
    .catch((error: unknown) => engine.log(`recheck of ${stageId} failed: ${String(error)}`));
  return { kind: "rechecking", commit };
}

/** Removes a merged stage's worktree; one with stray changes stays for `flux worktree clean`. */
export async function removeMergedWorktree(engine: EngineContext, stageId: string): Promise<void> {
  const plan = engine.plan();
  await removeWorktree({ root: engine.paths.root, stageId, baseBranch: plan.baseBranch }).then(
    (removal) => {
      if (!removal.removed)
        engine.log(`kept .worktrees/${stageId}: ${removal.reason ?? "not clean"}`);
    },
    (error: unknown) => {
      // Never lose work.
      if (!(error instanceof FluxError)) throw error;
      engine.log(`kept .worktrees/${stageId}: ${error.message}`);
    },
  );
}
