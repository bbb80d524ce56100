/**
 * A run's scope and where it stands: what `flux run` asks for, whether anything can still move
 * without a human (the daemon's idle clock and `flux run`'s follower ask), and what waits on
 * people.
 */
import { pickStartable } from "../core/graph/concurrency.ts";
import { ancestors } from "../core/graph/order.ts";
import { isDependencySatisfied } from "../core/graph/readiness.ts";
import type { StageState } from "../core/stage/states.ts";
import { TERMINAL_STATES } from "../core/stage/states.ts";
import { ExitCode, FluxError, stageNotFound } from "../core/errors.ts";
import { heldReason, mayMerge, mayStartSession } from "../core/flow.ts";
import type { FlowMode } from "../core/flow.ts";
import { readFlow } from "../store/flow.ts";
import { latestSession, openSessions } from "../store/sessions.ts";
import type { StageRecord } from "../store/store.ts";
import type { EngineContext } from "./context.ts";
import { waitsForDependency } from "./stack.ts";

export interface RunRequest {
  stage?: string | undefined;
  withDeps?: boolean | undefined;
  manual?: boolean | undefined;
  maxParallel?: number | undefined;
  /** The environment sessions inherit from now on (the requesting `flux run`'s). */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface RunAccepted {
  scope: string[] | null;
  maxParallel: number;
  manual: boolean;
  /** The request brought a different environment: sessions started from now on get it. */
  envChanged: boolean;
}

export interface RunProgress {
  /** The last event this answer reflects: a follower reads the stream up to it first. */
  seq: number;
  done: boolean;
  active: boolean;
  waiting: { id: string; state: StageState; reason: string | null; waitsOn: string[] }[];
  manualCommands: Record<string, string>;
  flow: FlowMode;
}

/** Checks a `flux run` request against the plan and widens the run's scope with it. */
export function widenRun(ctx: EngineContext, request: RunRequest): RunAccepted {
  const plan = ctx.plan();
  const stages = ctx.store.stages(plan.id);
  let wanted: Set<string> | null = null;
  if (request.stage !== undefined) {
    const target = stages.find((s) => s.id === request.stage);
    if (target === undefined) {
      throw stageNotFound(
        request.stage,
        stages.map((s) => s.id),
      );
    }
    const nodes = stages.map((s) => ({ id: s.id, dependencies: s.spec.dependencies }));
    const upstream = ancestors(nodes, target.id);
    if (request.withDeps === true) wanted = new Set([...upstream, target.id]);
    else {
      const stateOf = (id: string) => stages.find((s) => s.id === id)?.state;
      const unmet = [...upstream].filter((id) => {
        const state = stateOf(id);
        return state !== "merged" && state !== "skipped";
      });
      // A stacked stage may start on its dependency's branch once that passed (stack.ts).
      const blocking = target.spec.dependencies.filter(
        (d) => unmet.includes(d) && !isDependencySatisfied(stateOf(d), target.spec.stack),
      );
      if (blocking.length > 0) {
        throw new FluxError("STAGE_DEPS_UNMET", `${target.id} waits on ${unmet.join(", ")}`, {
          hint: `run them first, or \`flux run --stage ${target.id} --with-deps\``,
          exitCode: ExitCode.refused,
          data: { unmet },
        });
      }
      wanted = new Set([target.id]);
    }
  }
  const envChanged = request.env === undefined ? false : ctx.run.setEnv(request.env);
  const scope = ctx.run.widen(wanted, {
    manual: request.manual,
    maxParallel: request.maxParallel,
  });
  const accepted = {
    scope: scope === null ? null : [...scope],
    maxParallel: ctx.run.maxParallel,
    manual: ctx.run.manual,
  };
  ctx.store.write((emit) =>
    emit({ type: "run.requested", planId: plan.id, stageId: null, data: accepted }),
  );
  return { ...accepted, envChanged };
}

/** True while anything can still move without a human (a pending pass aside: the engine adds it). */
export function isActive(ctx: EngineContext): boolean {
  if (ctx.tasks.size > 0) return true;
  const plan = ctx.store.activePlan();
  if (plan === undefined || !ctx.run.requested) return false;
  // A session still finishing (an agent's last words after its stage completed) will report
  // its exit and telemetry: wait for it. A manual session nobody started is not waited for.
  if (
    openSessions(ctx.store, plan.id).some((s) => s.backend !== "manual" || s.status !== "starting")
  )
    return true;
  const may = movability(ctx, plan.id);
  return ctx.store.stages(plan.id).some((s) => may(s) || willMerge(ctx, s));
}

/**
 * Whether a stage will move on without a human: live, or ready (or parked: it goes back to ready
 * at its deadline) in the run's scope while the flow mode lets it start (core/flow.ts).
 */
function movability(ctx: EngineContext, planId: number): (stage: StageRecord) => boolean {
  const flow = readFlow(ctx.store);
  return (s) => {
    // A handoff's continuation waits while paused (its old session, if open, keeps the run active).
    if (s.state === "needs_handoff") return flow !== "paused";
    if (LIVE.has(s.state)) return true;
    if (!ctx.run.has(s.id) || (s.state !== "ready" && s.state !== "parked")) return false;
    return mayStartSession(flow, latestSession(ctx.store, planId, s.id) !== undefined);
  };
}

/** A finished stage the next pass merges (or opens the gate of) without a human. */
function willMerge(ctx: EngineContext, stage: StageRecord): boolean {
  if (stage.state === "completed" && stage.spec.verify === "human") return true;
  return (
    (stage.state === "completed" || stage.state === "verified") &&
    stage.spec.merge !== "manual" &&
    !ctx.run.mergeHeld(stage.id) &&
    // A stacked stage merges after its dependency (stack.ts).
    !waitsForDependency(ctx, stage) &&
    mayMerge(readFlow(ctx.store))
  );
}

/** Where the run stands (`active` is the engine's to add: it knows about a pending pass). */
export function runProgress(ctx: EngineContext): Omit<RunProgress, "active"> {
  const plan = ctx.plan();
  const stages = ctx.store.stages(plan.id);
  const states = new Map(stages.map((s) => [s.id, s.state]));
  const scoped = stages.filter((s) => !ctx.run.requested || ctx.run.has(s.id));
  const open = scoped.filter((s) => !TERMINAL_STATES.has(s.state));
  const flow = readFlow(ctx.store);
  const may = movability(ctx, plan.id);
  const held = (s: StageRecord) =>
    flow !== "running" &&
    (s.state === "ready" ||
      s.state === "parked" ||
      (flow === "paused" &&
        (s.state === "needs_handoff" || (FINISHED.has(s.state) && s.spec.merge !== "manual"))));
  return {
    seq: ctx.store.lastSeq(),
    done: open.length === 0,
    waiting: open
      .filter((s) => !may(s) && !willMerge(ctx, s) && !ctx.tasks.has(s.id))
      .map((s) => ({
        id: s.id,
        state: s.state,
        reason: held(s) ? heldReason(flow) : s.reason,
        waitsOn: s.spec.dependencies.filter(
          (d) => !TERMINAL_STATES.has(states.get(d) ?? "waiting"),
        ),
      })),
    manualCommands: ctx.run.manualCommandsByStage(),
    flow,
  };
}

/** The ready stages that may start now, within `max_parallel` and the plan's group limits. */
export function startable(
  ctx: EngineContext,
  ready: StageRecord[],
  running: StageRecord[],
): StageRecord[] {
  const plan = ctx.plan();
  const picked = pickStartable({
    ready: ready.map((s) => s.id),
    running: running.map((s) => s.id),
    limits: { maxParallel: ctx.run.maxParallel, groups: plan.groups },
    groupOf: (id) =>
      ready.find((s) => s.id === id)?.spec.parallelGroup ??
      running.find((s) => s.id === id)?.spec.parallelGroup ??
      null,
  });
  return picked
    .map((id) => ready.find((s) => s.id === id))
    .filter((s): s is StageRecord => s !== undefined);
}

const LIVE: ReadonlySet<StageState> = new Set(["running", "checking"]);
const FINISHED: ReadonlySet<StageState> = new Set(["completed", "verified"]);
