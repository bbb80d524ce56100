/** `flux worktree list|clean`: the stage worktrees, and removing the finished ones safely. */
import fs from "node:fs";
import path from "node:path";
import {
  branchExists,
  commitsBetween,
  removeWorktree,
  worktreeState,
} from "../../adapters/git/index.ts";
import { stageBranchName } from "../../core/stage/id.ts";
import { hasWorktree } from "../../store/projections/sessions.ts";
import { listSessions } from "../../store/sessions.ts";
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
  /** Its directory was deleted, while its stage still needs it; its branch keeps the work. */
  missing?: true;
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
  const out: WorktreeRow[] = names.map((stage) => {
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
  // Stages that still have a worktree by the store's account, whose directory is gone.
  const sessions = listSessions(store, plan.id);
  for (const stage of store.stages(plan.id)) {
    if (names.includes(stage.id) || !hasWorktree(stage, sessions)) continue;
    const branch = stageBranchName(stage.id);
    out.push({
      stage: stage.id,
      path: path.join(dir, stage.id),
      state: stage.state,
      dirty: [],
      unmerged: branchExists(paths.root, branch)
        ? commitsBetween(paths.root, plan.baseBranch, branch).length
        : 0,
      missing: true,
    });
  }
  out.sort((a, b) => a.stage.localeCompare(b.stage));
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
      `${pad(r.stage, 22)}${pad(r.state, 24)}${pad(r.missing === true ? "-" : String(r.dirty.length), 13)}${r.unmerged}${r.missing === true ? paint(ctx.output.color, "yellow", `  worktree missing: ${stageBranchName(r.stage)} keeps the work; Flux checks it out again when it needs it`) : ""}`,
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
    if (r.missing === true) continue;
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
