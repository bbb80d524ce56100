/**
 * `flux status <stage-id> [--json] [--watch]`: one stage in detail (render/stage-detail.ts),
 * read from the store and the session files directly: no daemon needed. Loaded only when a
 * stage is named, so `flux status` alone stays light.
 */
import path from "node:path";
import type { ContextLayer } from "../../core/context/levels.ts";
import { ExitCode, stageNotFound } from "../../core/errors.ts";
import { isStageId } from "../../core/stage/id.ts";
import { acceptanceRuns } from "../../store/acceptance.ts";
import { readFlow } from "../../store/flow.ts";
import { listHandoffs } from "../../store/handoffs.ts";
import { agentLimits } from "../../store/limits.ts";
import type { WorkPaths } from "../../store/paths.ts";
import { handoffFile } from "../../store/projections/handoffs.ts";
import { listSessions } from "../../store/sessions.ts";
import { loadSettings, openStore, requireActivePlan, requireWorkPaths } from "../context.ts";
import { lastLines } from "../logs/read.ts";
import type { CommandContext } from "../main.ts";
import { json } from "../output.ts";
import type { StageDetail } from "../render/stage-detail.ts";
import { buildStageDetail, renderStageDetail } from "../render/stage-detail.ts";
import { buildStatus } from "../render/status.ts";
import type { StatusOptions } from "./status.ts";
import { watch } from "./status.ts";

/** How many readable lines of the latest session's output the detail shows. */
const OUTPUT_LINES = 15;

/** `settings`: the `[context]` table, for the stage's thresholds. */
export function readStageDetail(
  paths: WorkPaths,
  stageId: string,
  settings: ContextLayer = {},
): StageDetail {
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  const stages = store.stages(plan.id);
  const record = stages.find((s) => s.id === stageId);
  // Checked before the id names any file.
  if (!isStageId(stageId) || record === undefined)
    throw stageNotFound(
      stageId,
      stages.map((s) => s.id),
    );
  const now = Date.now();
  const view = buildStatus(
    plan,
    stages,
    listSessions(store, plan.id),
    settings,
    { records: agentLimits(store), now },
    readFlow(store),
  );
  const status = view.stages.find((s) => s.id === stageId);
  if (status === undefined) throw stageNotFound(stageId);
  const sessions = view.sessions.filter((s) => s.stageId === stageId);
  const latest = sessions.at(-1);
  return buildStageDetail({
    status,
    record,
    stages,
    sessions,
    acceptance: acceptanceRuns(store, plan.id, stageId),
    handoffs: listHandoffs(store, plan.id, stageId).map((h) => ({
      record: h,
      file: path.relative(paths.root, handoffFile(paths, h.stageId, h.number)),
    })),
    output:
      latest === undefined
        ? null
        : { session: latest.id, lines: lastLines(paths.work, latest, OUTPUT_LINES) },
    now,
  });
}

export async function stageStatus(
  ctx: CommandContext,
  stageId: string,
  opts: StatusOptions,
): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const config = loadSettings(ctx, paths);
  const show = () => {
    const detail = readStageDetail(paths, stageId, config.context);
    if (opts.json === true) return opts.watch === true ? JSON.stringify(detail) : json(detail);
    return renderStageDetail(detail, ctx.output.color);
  };
  if (opts.watch !== true) {
    ctx.output.out(show());
    return ExitCode.ok;
  }
  return watch(ctx, paths, show, opts.json === true);
}
