/**
 * Which of the stages ready to merge in one pass merges first: the smaller change
 * (core/merge mergeOrder). Only that one starts; the others start in the passes after it (its
 * task's end wakes the engine), so the order holds although merges race for the merge lock.
 * One stage alone asks git nothing; several ask one `git diff --numstat` each — synchronous,
 * but rare (stages finishing in the same pass) and quick.
 */
import { branchTip, diffStat, stageBranch } from "../adapters/git/index.ts";
import { mergeOrder } from "../core/merge/predict.ts";
import type { StageRecord } from "../store/store.ts";
import type { EngineContext } from "./context.ts";

export function mergeFirst(
  ctx: Pick<EngineContext, "paths" | "log">,
  baseBranch: string,
  candidates: readonly StageRecord[],
): StageRecord[] {
  if (candidates.length <= 1) return [...candidates];
  try {
    return [smallest(ctx, baseBranch, candidates)];
  } catch (error) {
    // git could not size them (a base gone, a damaged ref): the merges themselves find out and
    // block their stages with the reason; the order is only an optimisation.
    ctx.log(`ordering merges failed, merging in plan order: ${String(error)}`);
    return [...candidates];
  }
}

function smallest(
  ctx: Pick<EngineContext, "paths">,
  baseBranch: string,
  candidates: readonly StageRecord[],
): StageRecord {
  const root = ctx.paths.root;
  const sizes = candidates.map((stage) => {
    const tip = branchTip(root, stageBranch(stage.id));
    // No branch: a merge a killed daemon made (the merge task recognises it); nothing to size.
    if (tip === undefined) return { id: stage.id, lines: 0, files: 0 };
    const stat = diffStat(root, baseBranch, tip);
    return {
      id: stage.id,
      // A binary file counts as one line.
      lines: stat.files.reduce((n, f) => n + (f.added ?? 1) + (f.deleted ?? 0), 0),
      files: stat.files.length,
    };
  });
  const first = mergeOrder(sizes)[0];
  return candidates.find((s) => s.id === first) ?? (candidates[0] as StageRecord);
}
