/**
 * What happens when the engine's own background work for a stage fails (a merge or a session
 * start nobody waits for): the stage is blocked with the error as its reason, so a human sees
 * it. Never applied to a task a caller waits for: that caller gets the error.
 */
import { FluxError } from "../core/errors.ts";
import type { StageState } from "../core/stage/states.ts";
import type { EngineContext } from "./context.ts";

const UNBLOCKABLE: readonly StageState[] = ["blocked", "merged", "skipped", "cancelled"];

export function blockOnFailure(
  ctx: EngineContext,
  stageId: string,
  what: string,
): (error: unknown) => void {
  return (error) => {
    ctx.log(
      `${what} of ${stageId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    const message =
      error instanceof FluxError
        ? `${error.message}${error.hint === undefined ? "" : ` (${error.hint})`}`
        : `${what} failed: ${String(error)}`;
    const plan = ctx.store.activePlan();
    const state = plan === undefined ? undefined : ctx.store.stage(plan.id, stageId)?.state;
    if (state !== undefined && !UNBLOCKABLE.includes(state))
      ctx.move(stageId, "block", message.slice(0, 2000));
  };
}
