/**
 * `flux validate`: the database, the `.work/` projections and the plan file checked against
 * each other. Exit 0 only when every check holds. `flux validate <plan>` checks a plan file
 * alone, anywhere: exit 0 when it is valid (warnings allowed), 3 when it is not.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { branchExists } from "../../adapters/git/index.ts";
import { hasErrors } from "../../core/diagnostics.ts";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { stageBranchName, stageWorktreeDir } from "../../core/stage/id.ts";
import { isStageState } from "../../core/stage/states.ts";
import { readConfigFile } from "../../store/config.ts";
import type { WorkPaths } from "../../store/paths.ts";
import {
  projectedSeq,
  renderAll,
  strayStageFiles,
  syncProjections,
} from "../../store/projections/sync.ts";
import { hasWorktree } from "../../store/projections/sessions.ts";
import { listSessions } from "../../store/sessions.ts";
import type { Store } from "../../store/store.ts";
import { sessionBackend } from "./sessions.ts";
import type { CommandContext } from "../main.ts";
import { openStore, requireActivePlan, requireWorkPaths } from "../context.ts";
import { printDiagnostics } from "../errors.ts";
import { json, paint } from "../output.ts";
import { checkPlan, readPlanText } from "./init.ts";

export interface Problem {
  code: string;
  message: string;
  hint?: string;
}

export interface Check {
  name: string;
  problems: Problem[];
}

function checkDatabase(store: Store, planId: number): Problem[] {
  const problems: Problem[] = [];
  const integrity = store.db.pragma("integrity_check") as { integrity_check: string }[];
  for (const row of integrity) {
    if (row.integrity_check !== "ok")
      problems.push({
        code: "DB_CORRUPT",
        message: `SQLite integrity: ${row.integrity_check}`,
        hint: "restore .work/flux.db from a backup",
      });
  }
  const fk = store.db.pragma("foreign_key_check") as { table: string; rowid: number }[];
  for (const row of fk)
    problems.push({
      code: "DB_FOREIGN_KEY",
      message: `${row.table} row ${row.rowid} points at a missing row`,
    });
  const stages = store.stages(planId);
  const ids = new Set(stages.map((s) => s.id));
  for (const s of stages) {
    if (!isStageState(s.state))
      problems.push({
        code: "DB_BAD_STATE",
        message: `stage ${s.id} has an unknown state "${s.state as string}"`,
      });
    for (const d of s.spec.dependencies) {
      if (!ids.has(d))
        problems.push({
          code: "DB_MISSING_DEPENDENCY",
          message: `stage ${s.id} depends on ${d}, which is not stored`,
        });
    }
    // The event log replays to the stored state: the last transition names it.
    const expected = store.loggedState(planId, s.id) ?? "waiting";
    if (expected !== s.state) {
      problems.push({
        code: "DB_EVENT_MISMATCH",
        message: `stage ${s.id} is ${s.state} but its last event says ${expected}`,
        hint: "the database was edited by hand; `flux stage <id> reset` records a fresh state",
      });
    }
  }
  const edges = store.db
    .prepare("SELECT count(*) AS n FROM edges WHERE plan_id = ?")
    .get(planId) as { n: number };
  const declared = stages.reduce((n, s) => n + s.spec.dependencies.length, 0);
  if (edges.n !== declared)
    problems.push({
      code: "DB_EDGES",
      message: `${edges.n} edges stored, the stages declare ${declared}`,
    });
  return problems;
}

function checkProjections(store: Store, paths: WorkPaths): Problem[] {
  const problems: Problem[] = [];
  const hint = "run `flux validate --fix` to rewrite the projections from the database";
  const done = projectedSeq(store);
  const last = store.lastSeq();
  if (done < last)
    problems.push({
      code: "PROJECTION_BEHIND",
      message: `projections reflect event ${done}, the database is at ${last}`,
      hint,
    });
  const { files } = renderAll(store, paths);
  for (const [file, expected] of files) {
    const rel = path.relative(paths.root, file);
    let actual: string;
    try {
      actual = fs.readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      problems.push({ code: "PROJECTION_MISSING", message: `${rel} is missing`, hint });
      continue;
    }
    if (actual !== expected)
      problems.push({
        code: "PROJECTION_DIFFERS",
        message: `${rel} differs from the database`,
        hint,
      });
  }
  const plan = store.activePlan();
  const ids = new Set(plan === undefined ? [] : store.stages(plan.id).map((s) => s.id));
  for (const stray of strayStageFiles(paths, ids)) {
    problems.push({
      code: "PROJECTION_STRAY",
      message: `${path.relative(paths.root, stray)} belongs to no stage`,
      hint,
    });
  }
  return problems;
}

function checkPlanFile(store: Store, paths: WorkPaths): Problem[] {
  const plan = requireActivePlan(store);
  const problems: Problem[] = [];
  let text: string;
  try {
    text = fs.readFileSync(path.join(paths.root, plan.file), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return [
      {
        code: "PLAN_FILE_MISSING",
        message: `${plan.file} is gone`,
        hint: "restore it (git checkout), or `flux init` another plan with --force",
      },
    ];
  }
  const hash = createHash("sha256").update(text).digest("hex");
  if (hash !== plan.contentHash) {
    problems.push({
      code: "PLAN_NOT_RECONCILED",
      message: `${plan.file} changed since it was applied`,
      hint: `run \`flux init ${plan.file}\` to reconcile the edits`,
    });
  }
  const configured = readConfigFile(paths.config).plan?.file;
  if (configured !== plan.file) {
    problems.push({
      code: "CONFIG_PLAN_MISMATCH",
      message: `.work/config.toml names ${configured ?? "no plan"}, the database ${plan.file}`,
      hint: `run \`flux init ${plan.file}\``,
    });
  }
  return problems;
}

/**
 * The world against the database (DESIGN.md §5): the worktree of every stage that has one, and
 * the backend session of every open session.
 */
async function checkWorld(
  ctx: CommandContext,
  store: Store,
  paths: WorkPaths,
  planId: number,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const sessions = listSessions(store, planId);
  for (const stage of store.stages(planId)) {
    if (!hasWorktree(stage, sessions)) continue;
    const dir = path.join(paths.root, stageWorktreeDir(stage.id));
    const branch = stageBranchName(stage.id);
    if (!branchExists(paths.root, branch)) {
      problems.push({
        code: "BRANCH_MISSING",
        message: `${stage.id} is ${stage.state} but its branch ${branch} is gone`,
        hint: `its work is lost unless a reflog has it; \`flux stage ${stage.id} reset\` starts it over`,
      });
    } else if (!fs.existsSync(dir)) {
      problems.push({
        code: "WORKTREE_MISSING",
        message: `${stage.id} is ${stage.state} but ${stageWorktreeDir(stage.id)} is gone`,
        hint: `${branch} keeps its work: Flux checks it out again when it needs it (a gate, an acceptance run, \`flux resume\`)`,
      });
    }
  }
  const open = sessions.filter((s) => s.endedAt === null && s.backend !== "manual");
  if (open.length > 0) {
    const backend = sessionBackend(ctx, paths);
    for (const session of open) {
      if (session.backend !== backend.kind || (await backend.isAlive(session.name))) continue;
      problems.push({
        code: "SESSION_GONE",
        message: `${session.id} (${session.stageId}) is open in the database, but its ${session.backend} session ${session.name} is gone`,
        hint: "the daemon records it as lost and retries the stage when it next looks (`flux run`)",
      });
    }
  }
  return problems;
}

export async function validate(
  ctx: CommandContext,
  planPath: string | undefined,
  opts: { json?: boolean; fix?: boolean },
): Promise<number> {
  if (planPath !== undefined) return validatePlanFile(ctx, planPath, opts);
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  let fixed = 0;
  if (opts.fix === true) fixed = syncProjections(store, paths, { full: true }).written;
  const checks: Check[] = [
    { name: "database", problems: checkDatabase(store, plan.id) },
    { name: "projections", problems: checkProjections(store, paths) },
    { name: "plan file", problems: checkPlanFile(store, paths) },
    { name: "worktrees and sessions", problems: await checkWorld(ctx, store, paths, plan.id) },
  ];
  const ok = checks.every((c) => c.problems.length === 0);
  if (opts.json === true) ctx.output.out(json({ ok, fixed, checks }));
  else {
    const c = ctx.output.color;
    if (opts.fix === true) ctx.output.out(`Rewrote ${fixed} projection files.`);
    for (const check of checks) {
      const mark = check.problems.length === 0 ? paint(c, "green", "✓") : paint(c, "red", "✗");
      ctx.output.out(`${mark} ${check.name}`);
      for (const p of check.problems) {
        ctx.output.out(`    ${paint(c, "red", p.code)}: ${p.message}`);
        if (p.hint !== undefined) ctx.output.out(`      ${paint(c, "dim", "hint:")} ${p.hint}`);
      }
    }
  }
  return ok ? ExitCode.ok : ExitCode.checkFailed;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * One plan file, parsed and validated like `flux init` would, and nothing else: no repository,
 * no `.work/`. Diagnostics name the file as it was given, so `file:line` opens from here.
 */
function validatePlanFile(
  ctx: CommandContext,
  planPath: string,
  opts: { json?: boolean; fix?: boolean },
): number {
  if (opts.fix === true) {
    throw new FluxError(
      "USAGE",
      "flux validate: --fix rewrites the .work/ projections; it does not apply to a plan file",
      {
        hint: "`flux validate --fix` alone fixes the projections; `flux init <plan>` applies a plan",
      },
    );
  }
  const file = path.normalize(planPath).split(path.sep).join("/");
  const text = readPlanText(path.resolve(ctx.cwd, planPath), planPath);
  const { plan, diagnostics } = checkPlan(text, file);
  const ok = plan !== undefined && !hasErrors(diagnostics);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  if (opts.json === true) {
    ctx.output.out(
      json({
        ok,
        file,
        title: plan?.title,
        stages: plan?.stages.length,
        errors,
        warnings,
        diagnostics,
      }),
    );
    return ok ? ExitCode.ok : ExitCode.invalidPlan;
  }
  printDiagnostics(ctx.output, diagnostics);
  if (!ok) {
    throw new FluxError(
      "PLAN_INVALID",
      `${file} has ${plural(errors, "error")}${warnings > 0 ? ` and ${plural(warnings, "warning")}` : ""}`,
      { hint: "fix the errors above and run `flux validate` on it again" },
    );
  }
  const stages = plural(plan.stages.length, "stage");
  ctx.output.out(
    `${file} is valid: ${stages}${warnings > 0 ? `, ${plural(warnings, "warning")}` : ""}.`,
  );
  return ExitCode.ok;
}
