/**
 * `flux status [<stage-id>] [--json] [--watch]`: reads the database directly; no daemon needed.
 * With a stage id, that stage in detail (./stage-status.ts, loaded only then).
 */
import fs from "node:fs";
import type { ContextLayer } from "../../core/context/levels.ts";
import { ExitCode } from "../../core/errors.ts";
import type { CommandContext } from "../main.ts";
import { loadSettings, openStore, requireActivePlan, requireWorkPaths } from "../context.ts";
import { json } from "../output.ts";
import type { StatusView } from "../render/status.ts";
import { buildStatus, renderStatus } from "../render/status.ts";
import type { WorkPaths } from "../../store/paths.ts";
import { readFlow } from "../../store/flow.ts";
import { agentLimits } from "../../store/limits.ts";
import { loadPrediction } from "../../store/predictions.ts";
import { conflicts } from "../../core/merge/predict.ts";
import { pullRequests } from "../../store/pull-requests.ts";
import { listSessions } from "../../store/sessions.ts";

export interface StatusOptions {
  json?: boolean;
  watch?: boolean;
}

/** `settings`: the `[context]` table, for the thresholds of each stage. */
export function readStatus(paths: WorkPaths, settings: ContextLayer = {}): StatusView {
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  const view = buildStatus(
    plan,
    store.stages(plan.id),
    listSessions(store, plan.id),
    settings,
    { records: agentLimits(store), now: Date.now() },
    readFlow(store),
    conflicts(loadPrediction(store, plan.id)),
  );
  const pulls = new Map(pullRequests(store, plan.id).map((pr) => [pr.stageId, pr]));
  for (const stage of view.stages) {
    const pr = pulls.get(stage.id);
    if (pr !== undefined)
      stage.pullRequest = { number: pr.number, url: pr.url, state: pr.state, branch: pr.branch };
  }
  return view;
}

export async function status(
  ctx: CommandContext,
  opts: StatusOptions,
  stageId?: string,
): Promise<number> {
  if (stageId !== undefined)
    return (await import("./stage-status.ts")).stageStatus(ctx, stageId, opts);
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const config = loadSettings(ctx, paths);
  const show = () => {
    const view = readStatus(paths, config.context);
    if (opts.json === true) return opts.watch === true ? JSON.stringify(view) : json(view);
    return renderStatus(view, ctx.output.color);
  };
  if (opts.watch !== true) {
    ctx.output.out(show());
    return ExitCode.ok;
  }
  return watch(ctx, paths, show, opts.json === true);
}

/**
 * Redraws on change. Every committed change rewrites .work/execution-graph.toml (its `seq`
 * moves), so one inotify watch on .work/ is the wake-up: no polling.
 */
export async function watch(
  ctx: CommandContext,
  paths: WorkPaths,
  show: () => string,
  asJson: boolean,
): Promise<number> {
  let last = "";
  const draw = () => {
    const text = show();
    if (text === last) return;
    last = text;
    // A terminal gets a redrawn screen; JSON gets one object per line (ndjson).
    ctx.output.out(
      asJson
        ? text
        : `\u001b[2J\u001b[H${text}\n${ctx.output.color ? "\u001b[2m" : ""}watching · Ctrl-C to stop${ctx.output.color ? "\u001b[22m" : ""}`,
    );
  };
  draw();
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const watcher = fs.watch(paths.work, () => {
      // Coalesce the burst of renames one change makes into one redraw.
      clearTimeout(timer);
      timer = setTimeout(draw, 25);
    });
    const stop = () => {
      clearTimeout(timer);
      watcher.close();
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return ExitCode.ok;
}
