/**
 * A stage's worktree, made again when it was deleted by hand: its branch (`flux/<id>`) holds
 * the work, so Flux checks it out again rather than failing a gate or an acceptance run on a
 * missing directory. Nothing is lost; what happened is said once in the run's events.
 */
import fs from "node:fs";
import { createWorktree, worktreePath } from "../adapters/git/index.ts";
import type { EngineContext } from "./context.ts";

export async function ensureWorktree(ctx: EngineContext, stageId: string): Promise<string> {
  const dir = worktreePath(ctx.paths.root, stageId);
  if (fs.existsSync(dir)) return dir;
  const made = await createWorktree({
    root: ctx.paths.root,
    stageId,
    baseBranch: ctx.plan().baseBranch,
  });
  ctx.notice(`the worktree of ${stageId} was gone: checked out ${made.branch} again at ${dir}`);
  return made.path;
}
