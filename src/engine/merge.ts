/**
 * Merging a finished stage into the base branch (DESIGN.md §3). The merge takes exactly the
 * commit that passed acceptance; if the branch moved since, the new head is checked first.
 * `auto` makes a merge commit without touching the user's unrelated files; `direct`
 * fast-forwards, rebasing and re-checking when it cannot. A conflict blocks the stage with what
 * to do; the user's overlapping uncommitted files make the merge wait for `flux merge`.
 */
import {
  fastForward,
  headCommit,
  isAncestor,
  mergeStage,
  rebaseOnto,
  removeWorktree,
  withMergeLock,
} from "../adapters/git/index.ts";
import type { FastForwardResult, MergeResult } from "../adapters/git/index.ts";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { Engine } from "./engine.ts";
import { runVerdict, worktreeOf } from "./completion.ts";
import { latestSession } from "../store/sessions.ts";

export type MergeOutcome =
  | { kind: "merged"; mergeCommit: string }
  | { kind: "conflict"; files: string[] }
  | { kind: "overlap"; files: string[] }
  | { kind: "rechecking"; commit: string }
  | { kind: "waiting"; reason: string };

export async function mergeTask(
  engine: Engine,
  stageId: string,
  requested: boolean,
): Promise<MergeOutcome> {
  const plan = engine.plan();
  const stage = engine.stage(stageId);
  const root = engine.paths.root;
  const branch = `flux/${stageId}`;
  if (stage.state === "blocked" && requested) {
    // After a conflict the human merged the base into the branch: check it again.
    engine.mergeWaits.delete(stageId);
    return recheck(engine, stageId, "the branch after the conflict was resolved");
  }
  if (stage.state !== "completed" && stage.state !== "verified") {
    throw new FluxError(
      "STAGE_NOT_MERGEABLE",
      `${stageId} is ${stage.state}: only a completed or verified stage merges`,
      {
        hint:
          stage.state === "awaiting_verification"
            ? `approve it first: \`flux verify ${stageId}\``
            : "`flux status` shows where it stands",
        exitCode: ExitCode.refused,
      },
    );
  }
  if (stage.spec.merge === "manual" && !requested)
    return { kind: "waiting", reason: `merge: manual — waiting for \`flux merge ${stageId}\`` };
  const head = headCommit(root, branch);
  const commit = stage.passedCommit ?? head;
  if (head !== commit)
    return recheck(
      engine,
      stageId,
      `the branch moved since its acceptance passed (${commit.slice(0, 8)} → ${head.slice(0, 8)})`,
    );

  const result = await withMergeLock<MergeResult | FastForwardResult>(root, () =>
    stage.spec.merge === "direct"
      ? fastForward({ root, baseBranch: plan.baseBranch, commit })
      : mergeStage({
          root,
          baseBranch: plan.baseBranch,
          commit,
          stageId,
          message: `Merge ${branch}: ${stage.spec.name}`,
        }),
  );
  switch (result.kind) {
    case "merged":
    case "up_to_date": {
      if (!isAncestor(root, commit, plan.baseBranch)) {
        throw new FluxError(
          "MERGE_NOT_ON_BASE",
          `after merging, ${plan.baseBranch} does not contain ${commit.slice(0, 8)}`,
          { exitCode: ExitCode.internal },
        );
      }
      const mergeCommit =
        result.kind === "merged" ? result.mergeCommit : headCommit(root, plan.baseBranch);
      // The worktree goes first (it is clean and merged now), so `merged` means all done —
      // unless its agent is still finishing: then it goes when the session ends.
      const session = latestSession(engine.store, plan.id, stageId);
      if (session === undefined || session.endedAt !== null)
        await removeMergedWorktree(engine, stageId);
      engine.mergeWaits.delete(stageId);
      engine.move(stageId, "merged", undefined, { mergeCommit, reason: null });
      return { kind: "merged", mergeCommit };
    }
    case "conflict": {
      const files = result.files.join(", ");
      engine.move(
        stageId,
        "merge_conflict",
        `conflicts with ${plan.baseBranch} in ${files}: in .worktrees/${stageId} run \`git merge ${plan.baseBranch}\`, resolve, commit, then \`flux merge ${stageId}\``,
      );
      return { kind: "conflict", files: result.files };
    }
    case "overlap": {
      engine.mergeWaits.add(stageId);
      engine.note(stageId, {
        reason: `waiting: your uncommitted changes to ${result.files.join(", ")} overlap this merge; commit or stash them, then \`flux merge ${stageId}\``,
      });
      return { kind: "overlap", files: result.files };
    }
    case "not_fast_forward": {
      const rebased = await rebaseOnto({
        worktree: worktreeOf(engine, stageId),
        baseBranch: plan.baseBranch,
      });
      if (rebased.kind === "conflict") {
        engine.move(
          stageId,
          "merge_conflict",
          `rebasing onto ${plan.baseBranch} conflicts in ${rebased.files.join(", ")}: resolve in .worktrees/${stageId} (\`git rebase ${plan.baseBranch}\`), then \`flux merge ${stageId}\``,
        );
        return { kind: "conflict", files: rebased.files };
      }
      return recheck(engine, stageId, `rebased onto ${plan.baseBranch}`);
    }
  }
}

function recheck(engine: Engine, stageId: string, why: string): MergeOutcome {
  const commit = headCommit(worktreeOf(engine, stageId));
  engine.move(stageId, "recheck_requested", `checking again: ${why}`);
  // The verdict runs as its own task once this merge task has ended.
  queueMicrotask(() => {
    void engine.busy.get(stageId)?.finally(() => {
      void runVerdict(engine, stageId, { trigger: "recheck", commit }).catch((error: unknown) =>
        engine.log(`recheck of ${stageId} failed: ${String(error)}`),
      );
    });
  });
  return { kind: "rechecking", commit };
}

/** Removes a merged stage's worktree; one with stray changes stays for `flux worktree clean`. */
export async function removeMergedWorktree(engine: Engine, stageId: string): Promise<void> {
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
