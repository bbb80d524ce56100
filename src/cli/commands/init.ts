/** `flux init <plan-path>`: parse, validate, store, project; again on an edited plan: reconcile. */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
  branchExists,
  currentBranch,
  ensureExcluded,
  findRepo,
  gitTry,
} from "../../adapters/git/index.ts";
import type { Diagnostic } from "../../core/diagnostics.ts";
import { hasErrors } from "../../core/diagnostics.ts";
import { ExitCode, FluxError, noCommits } from "../../core/errors.ts";
import type { ParseResult } from "../../core/plan/index.ts";
import { parsePlan } from "../../core/plan/index.ts";
import type { Plan } from "../../core/plan/model.ts";
import type { PlanDiff } from "../../core/reconcile.ts";
import { isEmptyDiff } from "../../core/reconcile.ts";
import type { ApplyPlanResult } from "../../store/apply-plan.ts";
import { writeActivePlan } from "../../store/config.ts";
import type { WorkPaths } from "../../store/paths.ts";
import { WORK_DIR_NAME, WORKTREES_DIR_NAME, ensureWorkDir, workPaths } from "../../store/paths.ts";
import { syncProjections } from "../../store/projections/sync.ts";
import { Store } from "../../store/store.ts";
import { notifyDaemon } from "../client.ts";
import { loadSettings, refuseInsideSession } from "../context.ts";
import { printDiagnostics } from "../errors.ts";
import type { CommandContext } from "../main.ts";
import { json, paint } from "../output.ts";

export interface InitOptions {
  force?: boolean;
  json?: boolean;
}

export interface LoadedPlan {
  plan: Plan;
  /** Relative to the repository root, with forward slashes. */
  file: string;
  contentHash: string;
  warnings: Diagnostic[];
}

/** A plan file's text; PLAN_NOT_FOUND when there is none at `absolute` (named as `planPath`). */
export function readPlanText(absolute: string, planPath: string): string {
  try {
    return fs.readFileSync(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "EISDIR" && code !== "ENOTDIR") throw error;
    throw new FluxError("PLAN_NOT_FOUND", `plan file not found: ${planPath}`, {
      hint: "check the path, or write a template with `flux plan new <name>`",
      exitCode: ExitCode.notFound,
    });
  }
}

/** Parses and validates a plan's text, with Flux's own warnings; `file` labels the diagnostics. */
export function checkPlan(text: string, file: string): ParseResult {
  const result = parsePlan(text, file);
  // Only Claude Code's TUI has been verified under Flux: say so before a run, not at its start.
  if (result.plan !== undefined) {
    for (const stage of result.plan.stages) {
      if (stage.mode !== "interactive" || stage.agent === "claude") continue;
      result.diagnostics.push({
        code: "PLAN_MODE_UNSUPPORTED",
        severity: "warning",
        message: `stage "${stage.id}" runs ${stage.agent} interactively, which Flux does not support yet (only Claude Code's TUI)`,
        file,
        line: stage.line,
        hint: "remove `mode: interactive` from the stage (it runs headless)",
      });
    }
  }
  return result;
}

/** Reads and validates a plan file; prints its diagnostics; throws on errors. */
export function loadPlan(
  ctx: CommandContext,
  root: string,
  planPath: string,
  asJson: boolean,
): LoadedPlan {
  const absolute = path.resolve(ctx.cwd, planPath);
  const file = path.relative(root, absolute).split(path.sep).join("/");
  if (file.startsWith("..") || path.isAbsolute(file)) {
    throw new FluxError("PLAN_OUTSIDE_REPO", `${planPath} is outside the repository ${root}`, {
      hint: "keep plans in the repository, e.g. doc/plans/PLAN-<name>.md",
      exitCode: ExitCode.usage,
    });
  }
  const text = readPlanText(absolute, planPath);
  const result = checkPlan(text, file);
  // With --json the diagnostics travel in the error's data (or the result's warnings).
  if (!asJson) printDiagnostics(ctx.output, result.diagnostics);
  if (hasErrors(result.diagnostics) || result.plan === undefined) {
    const count = result.diagnostics.filter((d) => d.severity === "error").length;
    throw new FluxError(
      "PLAN_INVALID",
      `${file} has ${count} error${count === 1 ? "" : "s"}; nothing was changed`,
      {
        hint: "fix the errors above and run the command again",
        exitCode: ExitCode.invalidPlan,
        data: { diagnostics: result.diagnostics },
      },
    );
  }
  return {
    plan: result.plan,
    warnings: result.diagnostics,
    file,
    contentHash: createHash("sha256").update(text).digest("hex"),
  };
}

export async function init(
  ctx: CommandContext,
  planPath: string,
  opts: InitOptions,
): Promise<number> {
  // Reconciling the plan (its acceptance, its stages) is the human's: never a session's.
  refuseInsideSession(ctx.env, `flux init ${planPath}`, ctx.cwd);
  const repo = findRepo(ctx.cwd);
  const paths = workPaths(repo.root);
  loadSettings(ctx, paths);
  const loaded = loadPlan(ctx, repo.root, planPath, opts.json === true);
  // Stages branch from the base branch's last commit: without one a run would only wait.
  if (!hasCommit(repo.root, loaded.plan.baseBranch)) throw noCommits(repo.root);
  ensureWorkDir(paths);
  ensureExcluded(repo, [WORK_DIR_NAME, `${WORKTREES_DIR_NAME}/`]);
  if (truncatedDatabase(paths)) {
    if (opts.force !== true) {
      throw new FluxError(
        "DB_CORRUPT",
        ".work/flux.db is empty (0 bytes), but .work/execution-graph.toml shows a plan was initialised here: the database was truncated",
        {
          hint: "`flux init <plan> --force` starts over from the plan (stage states are lost; the flux/* branches keep the work)",
        },
      );
    }
    ctx.output.err(
      "warning: .work/flux.db was empty (0 bytes): starting over from the plan (--force); stage states are lost, the flux/* branches keep the work",
    );
  }
  const result = applyLoadedPlan(paths.root, loaded, opts.force === true);
  // A running daemon learns of the reconciled plan at once.
  await notifyDaemon(paths, ctx.env);
  report(ctx, loaded, result, opts.json === true);
  return ExitCode.ok;
}

/** HEAD names a commit, or the plan's base branch exists (an unborn HEAD aside). */
function hasCommit(root: string, baseBranch: string | undefined): boolean {
  if (gitTry(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).status === 0) return true;
  return baseBranch !== undefined && branchExists(root, baseBranch);
}

/** A zero-length database where projections show a plan was initialised: it was truncated. */
function truncatedDatabase(paths: WorkPaths): boolean {
  try {
    return fs.statSync(paths.db).size === 0 && fs.existsSync(paths.executionGraph);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Stores a validated plan, makes it the active one in config.toml and refreshes the projections. */
export function applyLoadedPlan(
  root: string,
  loaded: LoadedPlan,
  force: boolean,
): ApplyPlanResult & { baseBranch: string } {
  const paths = workPaths(root);
  using store = new Store(paths.db);
  const previous = store.activePlan();
  const baseBranch =
    loaded.plan.baseBranch ??
    (previous?.file === loaded.file ? previous.baseBranch : undefined) ??
    currentBranch(root);
  if (baseBranch === undefined) {
    throw new FluxError(
      "NO_BASE_BRANCH",
      "HEAD is detached, so there is no branch to merge stages into",
      {
        hint: "check out the branch the work should land on, or set `base_branch:` in the plan's metadata",
        exitCode: ExitCode.environment,
      },
    );
  }
  const result = store.applyPlan(
    { plan: loaded.plan, file: loaded.file, contentHash: loaded.contentHash, baseBranch },
    { force },
  );
  writeActivePlan(paths.config, loaded.file);
  syncProjections(store, paths);
  return { ...result, baseBranch };
}

function report(
  ctx: CommandContext,
  loaded: LoadedPlan,
  result: ApplyPlanResult & { baseBranch: string },
  asJson: boolean,
): void {
  const { diff } = result;
  if (asJson) {
    ctx.output.out(
      json({
        ok: true,
        file: loaded.file,
        title: loaded.plan.title,
        baseBranch: result.baseBranch,
        created: result.created,
        stages: loaded.plan.stages.length,
        added: diff.added.map((s) => s.id),
        removed: diff.removed.map((s) => s.id),
        changed: diff.changed,
        events: result.events.length,
        warnings: loaded.warnings,
      }),
    );
    return;
  }
  const c = ctx.output.color;
  if (result.created) {
    ctx.output.out(
      `Initialised ${paint(c, "bold", loaded.plan.title)} from ${loaded.file}: ${loaded.plan.stages.length} stages, base branch ${result.baseBranch}.`,
    );
  } else if (isEmptyDiff(diff)) {
    ctx.output.out(`${loaded.file} is unchanged: nothing to reconcile.`);
  } else {
    ctx.output.out(`Reconciled ${loaded.file}:`);
    printDiff(ctx, diff);
  }
  const ready = result.events
    .filter((e) => e.type === "stage.transitioned" && e.data.to === "ready")
    .map((e) => e.stageId);
  if (ready.length > 0) ctx.output.out(`Ready: ${ready.join(", ")}`);
  ctx.output.out(
    `Next: ${paint(c, "cyan", "flux status")} · ${paint(c, "cyan", "flux graph show")}`,
  );
}

export function printDiff(ctx: CommandContext, diff: PlanDiff): void {
  const c = ctx.output.color;
  for (const s of diff.added) ctx.output.out(`  ${paint(c, "green", "+")} ${s.id} (added)`);
  for (const s of diff.removed)
    ctx.output.out(`  ${paint(c, "red", "-")} ${s.id} (removed, was ${s.state})`);
  for (const s of diff.changed)
    ctx.output.out(
      `  ${paint(c, "yellow", "~")} ${s.id} (${s.fields.join(", ")} changed; ${s.state})`,
    );
}
