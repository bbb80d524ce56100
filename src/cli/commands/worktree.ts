/** `flux worktree list|clean`: the stage worktrees, and removing the finished ones safely. */
import fs from "node:fs";
import path from "node:path";
import { removeWorktree, worktreeState } from "../../adapters/git/index.ts";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { WORKTREES_DIR_NAME } from "../../store/paths.ts";
import { openStore, requireActivePlan, requireWorkPaths } from "../context.ts";
import type { CommandContext } from "../main.ts";
import { json, pad, paint } from "../output.ts";

interface WorktreeRow {
  stage: string;
  path: string;
  state: string;
  dirty: string[];
  unmerged: number;
}

function rows(ctx: CommandContext): {
  rows: WorktreeRow[];
  root: string;
  base: string;
  finished: Set<string>;
} {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  const states = new Map(store.stages(plan.id).map((s) => [s.id, s.state]));
  const dir = path.join(paths.root, WORKTREES_DIR_NAME);
  const names = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => fs.statSync(path.join(dir, n)).isDirectory())
        .sort()
    : [];
  const out = names.map((stage) => {
    const wt = path.join(dir, stage);
    const state = worktreeState(wt, plan.baseBranch);
    return {
      stage,
      path: wt,
      state: states.get(stage) ?? "not in the plan",
      dirty: state.dirty,
      unmerged: state.unmerged,
    };
  });
  const finished = new Set(
    [...states]
      .filter(([, s]) => s === "merged" || s === "skipped" || s === "cancelled")
      .map(([id]) => id),
  );
  return { rows: out, root: paths.root, base: plan.baseBranch, finished };
}

export function worktreeList(ctx: CommandContext, opts: { json?: boolean }): number {
  const { rows: list } = rows(ctx);
  if (opts.json === true) {
    ctx.output.out(json(list));
    return ExitCode.ok;
  }
  if (list.length === 0) {
    ctx.output.out("No stage worktrees.");
    return ExitCode.ok;
  }
  ctx.output.out(
    paint(
      ctx.output.color,
      "dim",
      `${pad("STAGE", 22)}${pad("STATE", 24)}${pad("UNCOMMITTED", 13)}UNMERGED COMMITS`,
    ),
  );
  for (const r of list)
    ctx.output.out(
      `${pad(r.stage, 22)}${pad(r.state, 24)}${pad(String(r.dirty.length), 13)}${r.unmerged}`,
    );
  return ExitCode.ok;
}

/** Removes worktrees of merged, skipped or cancelled stages with nothing unmerged; says what it kept. */
export async function worktreeClean(
  ctx: CommandContext,
  opts: { json?: boolean },
): Promise<number> {
  const { rows: list, root, base, finished } = rows(ctx);
  const removed: string[] = [];
  const kept: { stage: string; why: string }[] = [];
  for (const r of list) {
    if (!finished.has(r.stage)) {
      kept.push({ stage: r.stage, why: `stage is ${r.state}` });
      continue;
    }
    if (r.dirty.length > 0) {
      kept.push({
        stage: r.stage,
        why: `${r.dirty.length} uncommitted file(s): ${r.dirty.slice(0, 3).join(", ")}`,
      });
      continue;
    }
    if (r.unmerged > 0) {
      kept.push({ stage: r.stage, why: `${r.unmerged} commit(s) not on ${base}` });
      continue;
    }
    try {
      await removeWorktree({ root, stageId: r.stage, baseBranch: base });
      removed.push(r.stage);
    } catch (error) {
      if (!(error instanceof FluxError)) throw error;
      kept.push({ stage: r.stage, why: error.message });
    }
  }
  if (opts.json === true) ctx.output.out(json({ removed, kept }));
  else {
    for (const id of removed) ctx.output.out(`removed .worktrees/${id}`);
    for (const k of kept) ctx.output.out(`kept    .worktrees/${k.stage}: ${k.why}`);
    if (removed.length === 0 && kept.length === 0) ctx.output.out("No stage worktrees.");
  }
  return ExitCode.ok;
}
