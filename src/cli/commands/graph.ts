/** `flux graph show` and `flux graph edit`. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { isEmptyDiff } from "../../core/reconcile.ts";
import type { CommandContext } from "../main.ts";
import {
  loadSettings,
  openStore,
  refuseInsideSession,
  requireActivePlan,
  requireWorkPaths,
} from "../context.ts";
import { json } from "../output.ts";
import {
  buildGraph,
  renderGraphDot,
  renderGraphMermaid,
  renderGraphText,
} from "../render/graph.ts";
import { applyLoadedPlan, loadPlan, printDiff } from "./init.ts";
import { notifyDaemon } from "../client.ts";

export function graphShow(
  ctx: CommandContext,
  opts: { format: "text" | "dot" | "mermaid" | "json" },
): number {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  loadSettings(ctx, paths);
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  const view = buildGraph(plan, store.stages(plan.id));
  const text =
    opts.format === "json"
      ? json(view)
      : opts.format === "dot"
        ? renderGraphDot(view)
        : opts.format === "mermaid"
          ? renderGraphMermaid(view)
          : renderGraphText(view, ctx.output.color);
  ctx.output.out(text);
  return ExitCode.ok;
}

/**
 * Opens the plan in the user's editor. The editor command comes from $VISUAL/$EDITOR and is
 * expanded by sh; the file is passed as "$1", never spliced into the command string.
 */
export async function graphEdit(ctx: CommandContext, opts: { force?: boolean }): Promise<number> {
  // Editing the plan is the human's: never a session's.
  refuseInsideSession(ctx.env, "flux graph edit", ctx.cwd);
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  let file: string;
  {
    using store = openStore(paths);
    file = requireActivePlan(store).file;
  }
  const absolute = path.join(paths.root, file);
  const editor = spawnSync(
    "sh",
    ["-c", '${VISUAL:-${EDITOR:-vi}} "$1"', "flux-graph-edit", absolute],
    {
      stdio: "inherit",
      env: ctx.env,
    },
  );
  if (editor.error !== undefined || editor.status !== 0) {
    throw new FluxError(
      "EDITOR_FAILED",
      `the editor exited with ${editor.status ?? editor.signal ?? String(editor.error)}; the plan was not applied`,
      {
        hint: "set $EDITOR (e.g. EDITOR=nano, or EDITOR='code -w' for a GUI editor that must wait)",
        exitCode: ExitCode.environment,
      },
    );
  }
  let loaded;
  try {
    loaded = loadPlan({ ...ctx, cwd: paths.root }, paths.root, file, false);
  } catch (error) {
    if (error instanceof FluxError && error.code === "PLAN_INVALID") {
      throw new FluxError(
        "PLAN_INVALID",
        `${error.message}: your edits are kept in ${file}, but the plan in .work/ is unchanged`,
        {
          hint: "fix the errors and run `flux graph edit` again (or `flux init " + file + "`)",
          exitCode: ExitCode.invalidPlan,
          data: error.data,
        },
      );
    }
    throw error;
  }
  const result = applyLoadedPlan(paths.root, loaded, opts.force === true);
  await notifyDaemon(paths, ctx.env);
  if (isEmptyDiff(result.diff)) ctx.output.out("No stage changes.");
  else {
    ctx.output.out(`Applied ${file}:`);
    printDiff(ctx, result.diff);
  }
  return ExitCode.ok;
}
