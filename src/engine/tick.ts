/**
 * One scheduling pass: parked stages whose limit reset, gates and merges for finished stages,
 * interactive sessions to end, and new sessions for ready stages within the run's scope and
 * limits and the flow mode (core/flow.ts: paused or draining). Long work is handed to the
 * stage's task (tasks.ts); the pass itself only reads the store and decides.
 */
import { mayMerge, mayStartSession } from "../core/flow.ts";
import { SLOT_STATES } from "../core/graph/concurrency.ts";
import type { StageState } from "../core/stage/states.ts";
import { readFlow } from "../store/flow.ts";
import type { StageRecord } from "../store/store.ts";
import { latestSession, openSessions } from "../store/sessions.ts";
import type { EngineContext } from "./context.ts";
import { handOn } from "./handoff.ts";
import { endSession } from "./lifecycle.ts";
import { machineAllows } from "./health.ts";
import { unparkDue } from "./limits.ts";
import { mergeTask } from "./merge.ts";
import { mergeFirst } from "./merge-order.ts";
import { startable } from "./progress.ts";
import { startSession } from "./start.ts";
import { mergeHold } from "./stack.ts";
import { blockOnFailure } from "./task-policy.ts";

export function schedule(ctx: EngineContext): void {
  const plan = ctx.store.activePlan();
  if (plan === undefined) return;
  unparkDue(ctx, ctx.store.stages(plan.id));
  const flow = readFlow(ctx.store);
  const stages = ctx.store.stages(plan.id);
  buryMovedOn(ctx, plan.id, new Map(stages.map((s) => [s.id, s.state])));

  const toMerge: StageRecord[] = [];
  for (const stage of stages) {
    if (ctx.tasks.has(stage.id)) continue;
    if (stage.state === "needs_handoff") {
      handOn(ctx, stage.id, mayStartSession(flow, true));
      continue;
    }
    if (stage.state === "completed" && stage.spec.verify === "human") {
      ctx.move(stage.id, "gate_opened", `waiting for \`flux verify ${stage.id}\``);
      continue;
    }
    const finished = stage.state === "completed" || stage.state === "verified";
    // A stacked stage merges only after its dependency has (stack.ts).
    const held = finished ? mergeHold(ctx, stage) : undefined;
    if (held !== undefined) {
      if (stage.reason !== held) ctx.note(stage.id, { reason: held });
      continue;
    }
    if (finished && stage.spec.merge === "manual" && stage.reason === null) {
      // In the store, not in memory: `flux status` and a restarted daemon say the same.
      ctx.note(stage.id, { reason: `merge: manual — waiting for \`flux merge ${stage.id}\`` });
      continue;
    }
    if (
      finished &&
      stage.spec.merge !== "manual" &&
      !ctx.run.mergeHeld(stage.id) &&
      mayMerge(flow)
    ) {
      toMerge.push(stage);
    }
  }
  // Several finished at once: the smaller change merges first, the rest in later passes.
  for (const stage of mergeFirst(ctx, plan.baseBranch, toMerge)) {
    ctx.tasks.spawn(
      stage.id,
      "merge",
      () => mergeTask(ctx, stage.id, false),
      blockOnFailure(ctx, stage.id, "merge"),
    );
  }

  if (!ctx.run.requested) return;
  const fresh = ctx.store.stages(plan.id);
  // A stage being started holds its slot already.
  const running = fresh.filter(
    (s) => SLOT_STATES.has(s.state) || (s.state === "ready" && ctx.tasks.has(s.id)),
  );
  const ready = fresh.filter(
    (s) =>
      s.state === "ready" &&
      ctx.run.has(s.id) &&
      !ctx.tasks.has(s.id) &&
      mayStartSession(flow, latestSession(ctx.store, plan.id, s.id) !== undefined),
  );
  // The machine's floors (free memory, load): nothing new starts below them.
  if (ready.length > 0 && !machineAllows(ctx)) return;
  for (const stage of startable(ctx, ready, running)) {
    const purpose =
      ctx.run.peekPurpose(stage.id) ??
      (latestSession(ctx.store, plan.id, stage.id) === undefined ? "start" : "retry");
    ctx.tasks.spawn(
      stage.id,
      "start",
      () => startSession(ctx, stage.id, purpose),
      blockOnFailure(ctx, stage.id, "start"),
    );
  }
}

/**
 * A session whose stage has moved on (completed, merged…) is expected to end by itself and
 * report; one whose runner was killed never will. Each pass asks the backend about those only,
 * so a run does not wait forever for a report that cannot come. An interactive session (a TUI)
 * never ends by itself: Flux ends it once its stage moved on or another session replaced it.
 */
function buryMovedOn(
  ctx: EngineContext,
  planId: number,
  states: ReadonlyMap<string, StageState>,
): void {
  for (const session of openSessions(ctx.store, planId)) {
    const state = states.get(session.stageId);
    if (state === undefined || ctx.sessions.busy(session.id)) continue;
    const replaced = latestSession(ctx.store, planId, session.stageId)?.id !== session.id;
    if (session.interactive && (replaced || !SLOT_STATES.has(state))) {
      endSession(ctx, session, replaced ? "a new session replaced it" : `its stage is ${state}`);
      continue;
    }
    if (session.backend === "manual" || SLOT_STATES.has(state)) continue;
    if (!ctx.sessions.beginCheck(session.id)) continue;
    void ctx.backend
      .isAlive(session.name)
      .then((alive) => {
        // Its runner wrote exit.json before it reported: the report may still be on its way.
        if (!alive) ctx.endGone(session.id);
      })
      .catch((error: unknown) => ctx.log(`asking after ${session.id} failed: ${String(error)}`))
      .finally(() => ctx.sessions.endCheck(session.id));
  }
}
