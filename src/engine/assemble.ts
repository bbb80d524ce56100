/**
 * The engine's private context (context.ts), assembled from its options: the owners of its
 * mutable state (tasks, session watch, run scope, alarms) and the verbs the handler modules act
 * through. The Engine class keeps the scheduling and the public verbs; what a verb of the context
 * needs from it (a wake-up, a notice, a task's end) comes through `EngineHost`.
 */
import { noActivePlan, stageNotFound } from "../core/errors.ts";
import { DEFAULT_HEALTH } from "../core/health.ts";
import { DEFAULT_LIMITS } from "../core/limits/policy.ts";
import type { StageAction } from "../core/stage/actions.ts";
import { syncProjections } from "../store/projections/sync.ts";
import { stateDirFor } from "../store/state-dir.ts";
import type { PlanRecord, StageFacts, StageRecord, Store } from "../store/store.ts";
import { systemClock } from "./clock.ts";
import { runVerdict } from "./completion.ts";
import type { EngineContext } from "./context.ts";
import { armHandoffDeadline } from "./context-report.ts";
import { HealthWatch, readMachine } from "./health.ts";
import { crashed, endGone } from "./lifecycle.ts";
import { ParkAlarm } from "./limits.ts";
import { removeMergedWorktree } from "./merge.ts";
import type { EngineOptions } from "./options.ts";
import { DEFAULT_REMOTE, removePullRequestWorktree } from "./pull-request.ts";
import { RunScope } from "./run-scope.ts";
import { SessionWatch } from "./session-watch.ts";
import { StageTasks } from "./tasks.ts";

/** What the context's verbs call back into the engine for. */
export interface EngineHost {
  wake(reason: string): void;
  notice(text: string): void;
  /** A stage task ended (the engine wakes, and a stacked stage may restack now). */
  taskEnded(stageId: string, what: string): void;
}

export function assembleContext(options: EngineOptions, host: EngineHost): EngineContext {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const store = options.store;
  const plan = (): PlanRecord => {
    const active = store.activePlan();
    if (active === undefined) throw noActivePlan();
    return active;
  };
  const project = () => syncProjections(store, options.paths);
  const stateDir = options.stateDir ?? stateDirFor(options.paths.root, process.env);
  const ctx: EngineContext = {
    store,
    paths: options.paths,
    backend: options.backend,
    clock,
    log,
    fluxBin: options.fluxBin,
    promptDir: options.promptDir,
    stopReminders: options.stopReminders ?? 3,
    stateDir,
    handoff: {
      settings: options.context ?? {},
      steps: options.handoffSteps ?? 10,
      timeoutMs: options.handoffTimeoutMs ?? 5 * 60_000,
    },
    limits: { settings: options.limits ?? DEFAULT_LIMITS, alarm: new ParkAlarm(clock) },
    pullRequests: { remote: options.remote ?? DEFAULT_REMOTE },
    health: {
      settings: options.health ?? DEFAULT_HEALTH,
      watch: new HealthWatch(clock),
      machine: options.machine ?? readMachine,
    },
    tasks: new StageTasks((stageId, what) => {
      host.taskEnded(stageId, what);
    }),
    sessions: new SessionWatch(clock),
    run: new RunScope(store, {
      maxParallel: options.maxParallel,
      env: options.env,
      stateDir,
    }),
    plan,
    stage: (id) => stageOf(store, plan(), id),
    move: (stageId, action: StageAction, reason?: string, facts?: StageFacts) => {
      const planId = plan().id;
      const { result } = store.write((emit) => {
        const after = store.transitionWithin(emit, planId, stageId, action, {
          reason,
          actor: "flux",
        });
        if (facts !== undefined) store.noteStage(emit, planId, stageId, facts);
        return after;
      });
      project();
      return result;
    },
    note: (stageId, facts) => {
      const planId = plan().id;
      store.write((emit) => store.noteStage(emit, planId, stageId, facts));
      project();
    },
    project,
    wake: (reason) => host.wake(reason),
    notice: (text) => host.notice(text),
    verdict: (stageId, request) => runVerdict(ctx, stageId, request),
    crashed: (stageId, why) => crashed(ctx, stageId, why),
    endGone: (sessionId) => endGone(ctx, sessionId),
    removeMergedWorktree: (stageId) =>
      // After a squash merge the stage's commits are on its pull request, not on the base.
      ctx.stage(stageId).spec.merge === "pr"
        ? removePullRequestWorktree(ctx, stageId)
        : removeMergedWorktree(ctx, stageId),
    rearmHandoff: (sessionId, ms) => armHandoffDeadline(ctx, sessionId, ms),
  };
  return ctx;
}

function stageOf(store: Store, plan: PlanRecord, id: string): StageRecord {
  const stage = store.stage(plan.id, id);
  if (stage === undefined)
    throw stageNotFound(
      id,
      store.stages(plan.id).map((s) => s.id),
    );
  return stage;
}
