/**
 * One scheduling pass: gates and merges for finished stages, restarts for stages whose session
 * must be replaced, and new sessions for ready stages within the run's scope and limits.
 */
import { SLOT_STATES } from "../core/graph/concurrency.ts";
import type { Engine } from "./engine.ts";
import { mergeTask } from "./merge.ts";
import { startSession } from "./start.ts";
import { latestSession, openSessions } from "../store/sessions.ts";
import type { StageState } from "../core/stage/states.ts";
import { endSession, sessionEnded } from "./recover.ts";

export function handleTick(engine: Engine): void {
  const plan = engine.store.activePlan();
  if (plan === undefined) return;
  const stages = engine.store.stages(plan.id);
  buryMovedOn(engine, plan.id, new Map(stages.map((s) => [s.id, s.state])));

  for (const stage of stages) {
    if (engine.busy.has(stage.id)) continue;
    if (stage.state === "completed" && stage.spec.verify === "human") {
      engine.move(stage.id, "gate_opened", `waiting for \`flux verify ${stage.id}\``);
      continue;
    }
    const finished = stage.state === "completed" || stage.state === "verified";
    if (finished && stage.spec.merge !== "manual" && !engine.mergeWaits.has(stage.id)) {
      void engine.runTask(stage.id, "merge", async () => {
        await mergeTask(engine, stage.id, false);
      });
    }
  }

  if (engine.scope === undefined) return;
  const fresh = engine.store.stages(plan.id);
  // A stage being started holds its slot already.
  const running = fresh.filter(
    (s) => SLOT_STATES.has(s.state) || (s.state === "ready" && engine.busy.has(s.id)),
  );
  const ready = fresh.filter(
    (s) => s.state === "ready" && engine.inScope(s.id) && !engine.busy.has(s.id),
  );
  for (const stage of engine.startable(ready, running)) {
    const purpose =
      engine.nextPurpose.get(stage.id) ??
      (latestSession(engine.store, plan.id, stage.id) === undefined ? "start" : "retry");
    engine.nextPurpose.delete(stage.id);
    void engine.runTask(stage.id, "start", () => startSession(engine, stage.id, purpose));
  }
}

/**
 * A session whose stage has moved on (completed, merged…) is expected to end by itself and
 * report; one whose runner was killed never will. Each pass asks the backend about those only,
 * so a run does not wait forever for a report that cannot come. An interactive session (a TUI)
 * never ends by itself: Flux ends it once its stage moved on or another session replaced it.
 */
function buryMovedOn(
  engine: Engine,
  planId: number,
  states: ReadonlyMap<string, StageState>,
): void {
  for (const session of openSessions(engine.store, planId)) {
    const state = states.get(session.stageId);
    if (state === undefined || engine.burying.has(session.id) || engine.ending.has(session.id))
      continue;
    const replaced = latestSession(engine.store, planId, session.stageId)?.id !== session.id;
    if (session.interactive && (replaced || !SLOT_STATES.has(state))) {
      endSession(engine, session, replaced ? "a new session replaced it" : `its stage is ${state}`);
      continue;
    }
    if (session.backend === "manual" || SLOT_STATES.has(state)) continue;
    engine.burying.add(session.id);
    void engine.backend
      .isAlive(session.name)
      .then((alive) => {
        if (!alive) sessionEnded(engine, session.id, null, null, "lost");
      })
      .finally(() => {
        engine.burying.delete(session.id);
      });
  }
}
