/**
 * `flux resume <id>`: a blocked or failed stage starts again with a recovery signal; a parked
 * one starts now, the limits it waited for forgotten (the human says they are gone).
 */
import { ExitCode, FluxError } from "../core/errors.ts";
import type { StageRecord } from "../store/store.ts";
import type { EngineContext } from "./context.ts";
import { clearLimitsFor } from "./limits.ts";

export function resumeStage(ctx: EngineContext, stageId: string): StageRecord {
  const stage = ctx.stage(stageId);
  if (stage.state === "needs_handoff") {
    // Its session handed off while no run was going: the continuation starts now.
    ctx.run.include(stageId);
    ctx.wake("resume");
    return stage;
  }
  if (stage.state === "parked") {
    const planId = ctx.plan().id;
    const { result: after } = ctx.store.write((emit) => {
      const cleared = clearLimitsFor(ctx, emit, stage, "human");
      const why = cleared.length === 0 ? "" : ` (limits of ${cleared.join(", ")} cleared)`;
      return ctx.store.transitionWithin(emit, planId, stageId, "resumed", {
        reason: `un-parked by a human${why}`,
        actor: "human",
      });
    });
    ctx.project();
    ctx.run.include(stageId);
    ctx.wake("resume");
    return after;
  }
  if (stage.state !== "blocked" && stage.state !== "failed") {
    throw new FluxError(
      "STAGE_NOT_RESUMABLE",
      `${stageId} is ${stage.state}: only a blocked, failed, parked or handed-off stage resumes`,
      {
        hint: "`flux stage <id> reset` starts any stage over",
        exitCode: ExitCode.refused,
      },
    );
  }
  ctx.run.setPurpose(stageId, "resume");
  const after = ctx.move(stageId, "resumed", "resumed by a human");
  ctx.run.include(stageId);
  ctx.wake("resume");
  return after;
}
