/** `flux stage <id> complete --force --reason … | block | reset | skip | cancel`: manual edges. */
import { ExitCode, FluxError, stageActionMissing, stageNotFound } from "../../core/errors.ts";
import { MANUAL_ACTIONS, isManualAction } from "../../core/stage/actions.ts";
import { userInfo } from "node:os";
import type { ManualAction } from "../../core/stage/actions.ts";
import type { FluxEvent } from "../../store/events.ts";
import type { WorkPaths } from "../../store/paths.ts";
import { syncProjections } from "../../store/projections/sync.ts";
import type { StageRecord, Store } from "../../store/store.ts";
import { connectDaemon } from "../client.ts";
import type { CommandContext } from "../main.ts";
import { openStore, refuseInsideSession, requireActivePlan, requireWorkPaths } from "../context.ts";
import { json, paintState } from "../output.ts";

export interface StageOptions {
  force?: boolean;
  reason?: string;
  json?: boolean;
}

export async function stage(
  ctx: CommandContext,
  id: string | undefined,
  action: string,
  opts: StageOptions,
): Promise<number> {
  if (id === undefined) throw oneWord(ctx, action);
  if (!isManualAction(action)) {
    throw new FluxError("STAGE_UNKNOWN_ACTION", `"${action}" is not a stage action`, {
      hint: `use one of: ${MANUAL_ACTIONS.join(", ")}`,
      exitCode: ExitCode.usage,
    });
  }
  refuseInsideSession(ctx.env, `flux stage ${id} ${action}`);
  if (action === "complete" && opts.force !== true) {
    throw new FluxError(
      "STAGE_COMPLETE_NEEDS_FORCE",
      `completing ${id} without its acceptance checks needs --force`,
      {
        hint: `say why: flux stage ${id} complete --force --reason "…" (verified completion, which runs the acceptance, comes with the engine)`,
        exitCode: ExitCode.refused,
      },
    );
  }
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  const actor = `human:${ctx.env.USER ?? userInfo().username}`;
  const { stage: after, events } = await force(ctx, paths, store, plan.id, id, action, {
    reason: opts.reason,
    actor,
  });
  if (opts.json === true) {
    ctx.output.out(
      json({
        stage: {
          id: after.id,
          state: after.state,
          reason: after.reason,
          retries: after.retries,
          fixAttempts: after.fixAttempts,
        },
        events,
      }),
    );
    return ExitCode.ok;
  }
  const c = ctx.output.color;
  for (const e of events) {
    if (e.type !== "stage.transitioned") continue;
    const d = e.data as { from: "waiting"; to: "waiting"; trigger: string; reason?: string };
    const why = d.reason === undefined ? "" : ` (${d.reason})`;
    const mark = e.stageId === id ? "" : "  ";
    ctx.output.out(
      `${mark}${e.stageId}: ${paintState(c, d.from)} → ${paintState(c, d.to)}${e.stageId === id ? why : ` (${d.trigger.replace(/_/g, " ")})`}`,
    );
  }
  return ExitCode.ok;
}

/**
 * `flux stage <word>`: an action without its stage, a stage without its action, or neither (a
 * misspelt stage: the closest id). The database is only read.
 */
function oneWord(ctx: CommandContext, word: string): FluxError {
  if (isManualAction(word)) {
    return new FluxError("STAGE_ID_MISSING", `flux stage ${word} needs a stage id`, {
      hint: `name the stage: \`flux stage <id> ${word}\` (\`flux status\` lists the stages)`,
      exitCode: ExitCode.usage,
    });
  }
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  const known = store.stages(plan.id).map((s) => s.id);
  return known.includes(word)
    ? stageActionMissing(word, MANUAL_ACTIONS)
    : stageNotFound(word, known);
}

/**
 * Forces the edge: through the daemon, with the admin credential, while one runs (every
 * mutation goes through it then); straight into the store when none does.
 */
async function force(
  ctx: CommandContext,
  paths: WorkPaths,
  store: Store,
  planId: number,
  id: string,
  action: ManualAction,
  meta: { reason?: string | undefined; actor: string },
): Promise<{ stage: StageRecord; events: FluxEvent[] }> {
  const client = await connectDaemon(paths, ctx.env);
  if (client === undefined) {
    const result = store.transition(planId, id, action, meta);
    syncProjections(store, paths);
    return result;
  }
  const { before } = await client.call("forceStage", {
    params: { id },
    body: { action, reason: meta.reason, actor: meta.actor },
  });
  const stage = store.stage(planId, id);
  if (stage === undefined) throw new Error(`${id} vanished after its edge`);
  return { stage, events: store.eventsSince(before) };
}
