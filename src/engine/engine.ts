/**
 * The engine: the scheduler and supervisor that run a plan. It lives in the daemon (or in
 * `flux run --foreground`) and only executes decisions: readiness, edges and limits come from
 * src/core. Nothing polls: `wake()` is called when something changed — a CLI or agent request,
 * a runner's start or exit report, a finished acceptance run or merge — and runs one `tick()`
 * at a time (wake-ups during a tick coalesce into one more tick). Timers exist only for real
 * deadlines (stage timeouts, the idle exit).
 *
 * Long work (worktree setup, acceptance runs, merges) runs as tasks outside the tick, one per
 * stage at a time (`busy`); each ends by writing to the store and waking the engine.
 */
import { pickStartable } from "../core/graph/concurrency.ts";
import { ancestors } from "../core/graph/order.ts";
import type { StageAction } from "../core/stage/actions.ts";
import type { StageState } from "../core/stage/states.ts";
import { TERMINAL_STATES } from "../core/stage/states.ts";
import type { SessionBackend } from "../adapters/sessions/backend.ts";
import type { FluxEvent } from "../store/events.ts";
import type { SessionPurpose } from "../store/sessions.ts";
import { openSessions } from "../store/sessions.ts";
import type { WorkPaths } from "../store/paths.ts";
import { syncProjections } from "../store/projections/sync.ts";
import type { PlanRecord, StageFacts, StageRecord, Store } from "../store/store.ts";
import { ExitCode, FluxError } from "../core/errors.ts";
import { handleTick } from "./tick.ts";
import { checkSessions, readoptSessions } from "./recover.ts";

export interface EngineOptions {
  store: Store;
  paths: WorkPaths;
  backend: SessionBackend;
  /** Absolute path of the running `flux` (bin/flux.js): sessions call it as "$FLUX_BIN". */
  fluxBin: string;
  /** The environment sessions inherit (the one `flux run` was started from). */
  env: NodeJS.ProcessEnv;
  maxParallel: number;
  /** Directory with signal template overrides (config `sessions.prompt_dir`). */
  promptDir?: string | undefined;
  /** Times the Stop hook sends an interactive agent back to work (default 3). */
  stopReminders?: number | undefined;
  clock?: () => Date;
  log?: (line: string) => void;
}

export interface RunScope {
  /** null: every stage of the plan. */
  stages: Set<string> | null;
  manual: boolean;
}

export interface RunRequest {
  stage?: string | undefined;
  withDeps?: boolean | undefined;
  manual?: boolean | undefined;
  maxParallel?: number | undefined;
}

export interface RunProgress {
  /** The last event this answer reflects: a follower reads the stream up to it first. */
  seq: number;
  done: boolean;
  active: boolean;
  waiting: { id: string; state: StageState; reason: string | null; waitsOn: string[] }[];
  manualCommands: Record<string, string>;
}

export interface RunAccepted {
  scope: string[] | null;
  maxParallel: number;
  manual: boolean;
}

export class Engine {
  readonly store: Store;
  readonly paths: WorkPaths;
  readonly backend: SessionBackend;
  readonly fluxBin: string;
  env: NodeJS.ProcessEnv;
  maxParallel: number;
  readonly promptDir: string | undefined;
  readonly stopReminders: number;
  readonly clock: () => Date;
  readonly log: (line: string) => void;
  /** What `flux run` asked for; nothing starts before the first request. */
  scope: RunScope | undefined;
  /** Stages with a task in flight (setup, acceptance, merge): one at a time per stage. */
  readonly busy = new Map<string, Promise<void>>();
  /** Stages whose merge waits for a human's `flux merge` (overlap with the user's files). */
  readonly mergeWaits = new Set<string>();
  /** Session timeouts by session id. */
  readonly timers = new Map<string, NodeJS.Timeout>();
  /** Why the next session of a stage starts (a crash, a rejected gate, `flux resume`…). */
  readonly nextPurpose = new Map<string, SessionPurpose>();
  /** Sessions whose liveness is being checked (tick.ts buryMovedOn). */
  readonly burying = new Set<string>();
  /** Interactive sessions Flux is ending, and why (recover.ts endSession). */
  readonly ending = new Map<string, string>();
  /** Commands printed for `--manual` runs, by stage. */
  readonly manualCommands = new Map<string, string>();
  private ticking = false;
  private again = false;
  private stopped = false;
  private readonly listeners = new Set<(event: FluxEvent) => void>();
  private readonly settledListeners = new Set<() => void>();
  private unsubscribe: () => void;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.paths = options.paths;
    this.backend = options.backend;
    this.fluxBin = options.fluxBin;
    this.env = options.env;
    this.maxParallel = options.maxParallel;
    this.promptDir = options.promptDir;
    this.stopReminders = options.stopReminders ?? 3;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
    this.unsubscribe = this.store.subscribe((event) => {
      for (const listener of this.listeners) listener(event);
    });
  }

  /** Hears the end of every tick: the moment to ask whether anything can still move. */
  onSettled(listener: () => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  private readonly noticed = new Set<string>();

  /** Tells the user something once per daemon (e.g. IS_SANDBOX set for Claude as root). */
  notice(text: string): void {
    if (this.noticed.has(text)) return;
    this.noticed.add(text);
    this.log(`notice: ${text}`);
    const plan = this.store.activePlan();
    this.store.write((emit) =>
      emit({ type: "run.notice", planId: plan?.id ?? null, stageId: null, data: { text } }),
    );
  }

  /** Re-adopts the sessions a previous daemon left, then schedules. */
  async start(): Promise<void> {
    // A child that ended without its runner's report (process backend): find out which.
    const unlisten = this.backend.onExit(() => void checkSessions(this));
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = () => {
      unlisten();
      unsubscribe();
    };
    await readoptSessions(this);
    this.wake("start");
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.unsubscribe();
  }

  /** Hears every event this process commits (the daemon streams them to clients). */
  onEvent(listener: (event: FluxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  plan(): PlanRecord {
    const plan = this.store.activePlan();
    if (plan === undefined) {
      throw new FluxError("NO_ACTIVE_PLAN", "no active plan", {
        hint: "run `flux init <plan-path>`",
        exitCode: ExitCode.notFound,
      });
    }
    return plan;
  }

  stage(id: string): StageRecord {
    const plan = this.plan();
    const stage = this.store.stage(plan.id, id);
    if (stage === undefined) {
      throw new FluxError("STAGE_NOT_FOUND", `no stage "${id}" in the active plan`, {
        exitCode: ExitCode.notFound,
      });
    }
    return stage;
  }

  /** Moves a stage and refreshes the projections. */
  move(stageId: string, action: StageAction, reason?: string, facts?: StageFacts): StageRecord {
    const plan = this.plan();
    const { result } = this.store.write((emit) => {
      const after = this.store.transitionWithin(emit, plan.id, stageId, action, {
        reason,
        actor: "flux",
      });
      if (facts !== undefined) this.store.noteStage(emit, plan.id, stageId, facts);
      return after;
    });
    this.project();
    return result;
  }

  note(stageId: string, facts: StageFacts): void {
    const plan = this.plan();
    this.store.write((emit) => this.store.noteStage(emit, plan.id, stageId, facts));
    this.project();
  }

  project(): void {
    syncProjections(this.store, this.paths);
  }

  /** Accepts a `flux run` request: widens the scope and schedules. */
  requestRun(request: RunRequest): RunAccepted {
    const plan = this.plan();
    const stages = this.store.stages(plan.id);
    let wanted: Set<string> | null = null;
    if (request.stage !== undefined) {
      const target = stages.find((s) => s.id === request.stage);
      if (target === undefined) {
        throw new FluxError("STAGE_NOT_FOUND", `no stage "${request.stage}" in the active plan`, {
          hint: `stages: ${stages.map((s) => s.id).join(", ")}`,
          exitCode: ExitCode.notFound,
        });
      }
      const nodes = stages.map((s) => ({ id: s.id, dependencies: s.spec.dependencies }));
      const upstream = ancestors(nodes, target.id);
      if (request.withDeps === true) wanted = new Set([...upstream, target.id]);
      else {
        const unmet = [...upstream].filter((id) => {
          const state = stages.find((s) => s.id === id)?.state;
          return state !== "merged" && state !== "skipped";
        });
        if (unmet.length > 0 && target.spec.dependencies.some((d) => unmet.includes(d))) {
          throw new FluxError("STAGE_DEPS_UNMET", `${target.id} waits on ${unmet.join(", ")}`, {
            hint: `run them first, or \`flux run --stage ${target.id} --with-deps\``,
            exitCode: ExitCode.refused,
            data: { unmet },
          });
        }
        wanted = new Set([target.id]);
      }
    }
    const previous = this.scope;
    const merged =
      wanted === null || previous?.stages === null
        ? null
        : new Set([...(previous?.stages ?? []), ...wanted]);
    this.scope = { stages: merged, manual: request.manual ?? previous?.manual ?? false };
    if (request.maxParallel !== undefined) this.maxParallel = request.maxParallel;
    this.store.write((emit) =>
      emit({
        type: "run.requested",
        planId: plan.id,
        stageId: null,
        data: {
          scope: merged === null ? null : [...merged],
          maxParallel: this.maxParallel,
          manual: this.scope?.manual,
        },
      }),
    );
    this.wake("run");
    return {
      scope: merged === null ? null : [...merged],
      maxParallel: this.maxParallel,
      manual: this.scope.manual,
    };
  }

  inScope(stageId: string): boolean {
    const scope = this.scope;
    return scope !== undefined && (scope.stages === null || scope.stages.has(stageId));
  }

  /**
   * Schedules a tick on the next turn of the event loop: wake-ups before it, or during it,
   * coalesce into one (more) tick.
   */
  wake(reason: string): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.log(`wake: ${reason}`);
    setImmediate(() => {
      try {
        do {
          this.again = false;
          handleTick(this);
        } while (this.again && !this.stopped);
      } catch (error) {
        this.log(
          `tick failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      } finally {
        this.ticking = false;
        for (const listener of this.settledListeners) listener();
      }
    });
  }

  /** Runs `task` for a stage unless one is in flight; wakes the engine when it ends. */
  runTask(stageId: string, what: string, task: () => Promise<void>): Promise<void> {
    const running = this.busy.get(stageId);
    if (running !== undefined) return running;
    const promise = (async () => {
      try {
        await task();
      } catch (error) {
        this.log(
          `${what} of ${stageId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        const message =
          error instanceof FluxError
            ? `${error.message}${error.hint === undefined ? "" : ` (${error.hint})`}`
            : `${what} failed: ${String(error)}`;
        const state = this.store.stage(this.plan().id, stageId)?.state;
        if (state !== undefined && canBlock(state))
          this.move(stageId, "block", message.slice(0, 2000));
      } finally {
        this.busy.delete(stageId);
        this.wake(`${what} done`);
      }
    })();
    this.busy.set(stageId, promise);
    return promise;
  }

  /** True while anything can still move without a human: the daemon's idle clock waits for this. */
  active(): boolean {
    // A pending tick may start something: only a settled engine can be idle.
    if (this.ticking || this.busy.size > 0) return true;
    const plan = this.store.activePlan();
    if (plan === undefined || this.scope === undefined) return false;
    // A session still finishing (an agent's last words after its stage completed) will report
    // its exit and telemetry: wait for it. A manual session nobody started is not waited for.
    if (
      openSessions(this.store, plan.id).some(
        (s) => s.backend !== "manual" || s.status !== "starting",
      )
    )
      return true;
    return this.store
      .stages(plan.id)
      .some((s) => movable(s.state, this.inScope(s.id)) || this.willMerge(s));
  }

  /** A finished stage the next tick merges (or opens the gate of) without a human. */
  private willMerge(stage: StageRecord): boolean {
    if (stage.state === "completed" && stage.spec.verify === "human") return true;
    return (
      (stage.state === "completed" || stage.state === "verified") &&
      stage.spec.merge !== "manual" &&
      !this.mergeWaits.has(stage.id)
    );
  }

  /** Where the run stands: done, still moving, or waiting on people (and on what). */
  progress(): RunProgress {
    const plan = this.plan();
    const stages = this.store.stages(plan.id);
    const states = new Map(stages.map((s) => [s.id, s.state]));
    const scoped = stages.filter((s) => this.scope === undefined || this.inScope(s.id));
    const open = scoped.filter((s) => !TERMINAL_STATES.has(s.state));
    return {
      seq: this.store.lastSeq(),
      done: open.length === 0,
      active: this.active(),
      waiting: open
        .filter((s) => !movable(s.state, this.inScope(s.id)) && !this.busy.has(s.id))
        .map((s) => ({
          id: s.id,
          state: s.state,
          reason: s.reason,
          waitsOn: s.spec.dependencies.filter(
            (d) => !TERMINAL_STATES.has(states.get(d) ?? "waiting"),
          ),
        })),
      manualCommands: Object.fromEntries(this.manualCommands),
    };
  }

  startable(ready: StageRecord[], running: StageRecord[]): StageRecord[] {
    const plan = this.plan();
    const picked = pickStartable({
      ready: ready.map((s) => s.id),
      running: running.map((s) => s.id),
      limits: { maxParallel: this.maxParallel, groups: plan.groups },
      groupOf: (id) =>
        ready.find((s) => s.id === id)?.spec.parallelGroup ??
        running.find((s) => s.id === id)?.spec.parallelGroup ??
        null,
    });
    return picked
      .map((id) => ready.find((s) => s.id === id))
      .filter((s): s is StageRecord => s !== undefined);
  }
}

function canBlock(state: StageState): boolean {
  return !["blocked", "merged", "skipped", "cancelled"].includes(state);
}

/** A stage in this state will move on without a human. */
export function movable(state: StageState, inScope: boolean): boolean {
  if (state === "running" || state === "checking" || state === "needs_handoff") return true;
  return inScope && state === "ready";
}
