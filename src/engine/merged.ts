/** Recording a stage `merged`, for every merge mode (merge.ts, pull-request.ts). */
import { latestSession } from "../store/sessions.ts";
import type { EngineContext } from "./context.ts";
import type { MergeOutcome } from "./merge.ts";

/**
 * The stage's commit is on the base (merged here, or its pull request merged there): its worktree
 * goes first (it is clean and merged now; the context picks how for the stage's merge mode), so
 * `merged` means all done — unless its agent is still finishing: then it goes when the session
 * ends.
 */
export async function finishMerge(
  engine: EngineContext,
  stageId: string,
  mergeCommit: string,
): Promise<MergeOutcome> {
  const session = latestSession(engine.store, engine.plan().id, stageId);
  if (session === undefined || session.endedAt !== null) await engine.removeMergedWorktree(stageId);
  engine.run.releaseMerge(stageId);
  engine.move(stageId, "merged", undefined, { mergeCommit, reason: null });
  return { kind: "merged", mergeCommit };
}
