/**
 * The stage state machine: `transition()` checks an edge against STAGE_EDGES and returns the
 * next state with its event. Pure: the store applies the result in a transaction, adds the
 * stage id, sequence and time, and publishes the event after the commit.
 */
import { ExitCode, FluxError } from "../errors.ts";
import { STAGE_ACTIONS, isManualAction } from "./actions.ts";
import type { StageAction } from "./actions.ts";
import { BY_DEPENDENCIES, STAGE_EDGES } from "./edges.ts";
import type { StageEvent } from "./event.ts";
import { TERMINAL_STATES } from "./states.ts";
import type { StageState } from "./states.ts";

export interface TransitionContext {
  /**
   * For `reset` and `resumed`: whether every dependency is satisfied now, which decides between
   * `ready` and `waiting`. Unknown (undefined) goes to `waiting`: the scheduler promotes it.
   */
  depsSatisfied?: boolean | undefined;
  /** Why; required by forced `complete` and `block`, recorded on any edge. */
  reason?: string | undefined;
  /** Named in error messages and hints only. */
  stageId?: string | undefined;
}

export interface TransitionResult {
  state: StageState;
  event: StageEvent;
}

/**
 * Moves a stage in state `current` along `action`. Throws `STAGE_ILLEGAL_TRANSITION` when the
 * edge does not exist from `current`, `STAGE_REASON_REQUIRED` for a forced edge without a reason.
 */
export function transition(
  current: StageState,
  action: StageAction,
  ctx: TransitionContext = {},
): TransitionResult {
  if (!Object.hasOwn(STAGE_EDGES, action)) throw new Error(`unknown stage action "${action}"`);
  const edge = STAGE_EDGES[action];
  if (!edge.from.includes(current)) throw illegalTransition(current, action, ctx.stageId);
  const reason = ctx.reason?.trim() || undefined;
  if (edge.reasonRequired === true && reason === undefined) {
    const verb = action === "complete" ? "complete --force" : action;
    const command = `flux stage ${ctx.stageId ?? "<id>"} ${verb}`;
    throw new FluxError("STAGE_REASON_REQUIRED", `${action} needs a reason`, {
      hint: `say why: \`${command} --reason "…"\``,
      exitCode: ExitCode.usage,
      data: { action, stageId: ctx.stageId },
    });
  }
  const to: StageState =
    edge.to === BY_DEPENDENCIES ? (ctx.depsSatisfied === true ? "ready" : "waiting") : edge.to;
  const event: StageEvent = {
    type: "stage.transitioned",
    from: current,
    to,
    trigger: action,
    manual: isManualAction(action),
    countersCleared: edge.clearsCounters === true,
    ...(reason === undefined ? {} : { reason }),
    ...(edge.counter === undefined ? {} : { counter: edge.counter }),
  };
  return { state: to, event };
}

/** The triggers and manual actions that have an edge out of `state`, in STAGE_ACTIONS order. */
export function allowedActions(state: StageState): StageAction[] {
  return STAGE_ACTIONS.filter((action) => STAGE_EDGES[action].from.includes(state));
}

function illegalTransition(from: StageState, action: StageAction, stageId?: string): FluxError {
  const allowed = allowedActions(from);
  const listed = allowed.length === 0 ? "none" : allowed.join(", ");
  return new FluxError(
    "STAGE_ILLEGAL_TRANSITION",
    `cannot ${action} a stage that is ${from} (allowed from ${from}: ${listed})`,
    {
      hint: hintFor(from, action, stageId ?? "<id>"),
      exitCode: ExitCode.refused,
      data: { from, action, allowed, stageId },
    },
  );
}

/** Points at the command that gets the stage to where `action` would be legal. */
function hintFor(from: StageState, action: StageAction, id: string): string {
  if (from === "merged") {
    return "merged is final: the work is on the base branch; add a job for follow-up work";
  }
  if (TERMINAL_STATES.has(from)) return `\`flux stage ${id} reset\` first`;
  if (
    action === "skip" &&
    (from === "running" || from === "needs_handoff" || from === "checking")
  ) {
    return `its session is live: \`flux stage ${id} block\` first, then skip it`;
  }
  if (action === "block" && from === "blocked") {
    return `it is already blocked; \`flux resume ${id}\` when it can go on`;
  }
  if (from === "blocked" || from === "failed") {
    return `\`flux resume ${id}\` or \`flux stage ${id} reset\` first`;
  }
  if (from === "awaiting_verification") return `the gate decides: \`flux verify ${id}\``;
  if (action === "complete") return `it is already ${from}`;
  return `\`flux status\` shows what ${id} is doing; \`flux stage ${id} reset\` starts it over`;
}
