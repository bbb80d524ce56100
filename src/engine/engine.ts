/**
 * The engine: the scheduler and supervisor that run a plan. It lives in the daemon (or in
 * `flux run --foreground`) and only executes decisions: readiness, edges and limits come from
 * src/core. Nothing polls: `wake()` is called when something changed — a CLI or agent request,
 * a runner's start or exit report, a finished task — and runs one scheduling pass at a time
 * (wake-ups during a pass coalesce into one more). Timers exist only for real deadlines.
 *
 * Its mutable state has three owners (tasks.ts, session-watch.ts, run-scope.ts) held in a
 * private context that the handler modules act through (context.ts). Everything outside the
 * engine — the daemon's routes, tests — uses the verbs of this class and reads the store.
 */
import { processStartTime } from "../adapters/process/proc.ts";
import { isDamagedDatabase, sessionNotFound } from "../core/errors.ts";
import type { Handoff, HandoffRecord } from "../core/handoff/types.ts";
import type { FlowMode } from "../core/flow.ts";
import type { ManualAction } from "../core/stage/actions.ts";
import type { FluxEvent } from "../store/events.ts";
import { writeFlow } from "../store/flow.ts";
import type { SessionRecord } from "../store/sessions.ts";
import { getSession, markSessionStarted } from "../store/sessions.ts";
import type { StageRecord, Store } from "../store/store.ts";
import type { Verdict } from "./completion.ts";
import { requestCompletion } from "./completion.ts";
import type { Accepted, EngineContext } from "./context.ts";

export type { Accepted } from "./context.ts";
import type { GateEvidence } from "./gates.ts";
import { approveGate, gateEvidence, rejectGate } from "./gates.ts";
import { reportContext } from "./context-report.ts";
import { createHandoff } from "./handoff.ts";
import type { ContextAnswer, ContextReportBody, HookAnswer } from "./hook-events.ts";
import { handleHook } from "./hooks.ts";
import {
  checkSessions,
  killSession,
  readoptSessions,
  sessionEnded,
  settleEndedSessions,
} from "./lifecycle.ts";
import type { MergeOutcome } from "./merge.ts";
import { mergeNow } from "./merge.ts";
import type { RunAccepted, RunProgress, RunRequest } from "./progress.ts";
import { isActive, runProgress, widenRun } from "./progress.ts";
import { heardFrom, heartbeat } from "./health.ts";
import { redoInFlight } from "./recovery.ts";
import { resolveConflict } from "./resolve.ts";
import { resumeStage } from "./resume.ts";
import { schedule } from "./tick.ts";
import { ConflictWatch, DEFAULT_PREDICT_INTERVAL_MS } from "./predict.ts";
import { StackWatch } from "./stack.ts";
import { assembleContext } from "./assemble.ts";
import type { EngineOptions, ExitReport } from "./options.ts";
import { DEFAULT_PR_POLL_MS } from "./pull-request.ts";
import { PullRequestWatch } from "./pull-request-watch.ts";

export type { RunAccepted, RunProgress, RunRequest } from "./progress.ts";

export type { EngineOptions, ExitReport } from "./options.ts";

export class Engine {
  /** For reading (the event stream, sessions); the engine's own writes go through its verbs. */
  readonly store: Store;
  private readonly ctx: EngineContext;
  private ticking = false;
  private again = false;
  private stopped = false;
  private readonly listeners = new Set<(event: FluxEvent) => void>();
  private readonly settledListeners = new Set<() => void>();
  private readonly noticed = new Set<string>();
  private readonly cleanups: (() => void)[] = [];
  private readonly onFatal: ((error: unknown) => void) | undefined;
  private readonly conflicts: ConflictWatch;
  private readonly stacks: StackWatch;
  private readonly pullRequests: PullRequestWatch;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.onFatal = options.onFatal;
    const ctx = assembleContext(options, {
      wake: (reason) => this.wake(reason),
      notice: (text) => this.notice(text),
      taskEnded: (stageId, what) => {
        this.wake(`${what} of ${stageId} done`);
        // A stacked stage whose task ended may restack now (stack.ts).
        this.stacks.poke();
      },
    });
    const { store, clock, log } = ctx;
    this.ctx = ctx;
    // A look that ended may have been what kept the engine active: settled listeners hear it.
    const stacks = new StackWatch(ctx, () => {
      if (!this.active()) for (const listener of this.settledListeners) listener();
    });
    this.stacks = stacks;
    this.conflicts = new ConflictWatch({
      store,
      paths: options.paths,
      clock,
      log,
      intervalMs: options.predictIntervalMs ?? DEFAULT_PREDICT_INTERVAL_MS,
      // The tips it reads show a dependency's branch that moved (a human's commit too).
      onTips: (tips) => stacks.poke(tips),
    });
    this.pullRequests = new PullRequestWatch(ctx, options.prPollMs ?? DEFAULT_PR_POLL_MS);
    this.cleanups.push(
      store.subscribe((event) => {
        for (const listener of this.listeners) listener(event);
        if (event.type !== "stage.transitioned") return;
        // A dependency passed, merged or was rejected; a stacked stage left `checking`.
        stacks.poke();
        // A merge moved the base: every branch in flight is measured against the new one.
        if (event.data.to === "merged") this.conflicts.poke(`${event.stageId} merged`);
      }),
    );
  }

  /** Re-adopts the sessions a previous daemon left, then schedules. */
  async start(): Promise<void> {
    // A child that ended without its runner's report (process backend): find out which.
    this.cleanups.push(this.ctx.backend.onExit(() => this.checkSessions()));
    await readoptSessions(this.ctx);
    await redoInFlight(this.ctx);
    settleEndedSessions(this.ctx);
    // A restack a stopped daemon left undone (or half done) is done now.
    this.stacks.poke();
    // A pull request may have merged or closed while no daemon looked.
    this.pullRequests.check("daemon start");
    this.wake("start");
  }

  /** Stops scheduling and every timer, then waits for the stages' tasks in flight to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ctx.sessions.clear();
    this.ctx.limits.alarm.clear();
    this.ctx.health.watch.clear();
    this.conflicts.clear();
    this.stacks.clear();
    this.pullRequests.clear();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.stacks.idle();
    await this.ctx.tasks.drain();
    await this.conflicts.idle();
  }

  /** Hears the end of every scheduling pass: the moment to ask whether anything can still move. */
  onSettled(listener: () => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  /** Hears every event this process commits (the daemon streams them to clients). */
  onEvent(listener: (event: FluxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Schedules a pass on the next turn of the event loop: wake-ups before it, or during it,
   * coalesce into one (more) pass.
   */
  wake(reason: string): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.ctx.log(`wake: ${reason}`);
    setImmediate(() => {
      try {
        while (!this.stopped) {
          this.again = false;
          schedule(this.ctx);
          if (!this.again) break;
        }
      } catch (error) {
        this.ctx.log(
          `tick failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        if (isDamagedDatabase(error)) this.fatal(error);
      } finally {
        this.ticking = false;
        this.pullRequests.arm();
        for (const listener of this.settledListeners) listener();
      }
    });
  }

  /** The store is damaged: stop scheduling and tell the host, once. */
  private fatal(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.log(`stopping: ${error instanceof Error ? error.message : String(error)}`);
    this.onFatal?.(error);
  }

  /** Tells the user something once per engine (e.g. IS_SANDBOX set for Claude as root). */
  notice(text: string): void {
    if (this.noticed.has(text)) return;
    this.noticed.add(text);
    this.ctx.log(`notice: ${text}`);
    const plan = this.store.activePlan();
    this.store.write((emit) =>
      emit({ type: "run.notice", planId: plan?.id ?? null, stageId: null, data: { text } }),
    );
  }

  /** Accepts a `flux run` request: widens the scope, takes its environment, and schedules. */
  requestRun(request: RunRequest): RunAccepted {
    const accepted = widenRun(this.ctx, request);
    this.wake("run");
    return accepted;
  }

  /** `flux pause|drain|daemon resume`: the flow mode, kept in the store; a pass follows. */
  setFlow(mode: FlowMode, by: string): { mode: FlowMode; previous: FlowMode } {
    const { result: previous } = this.store.write((emit) => writeFlow(this.store, emit, mode, by));
    this.wake(`flow ${mode}`);
    return { mode, previous };
  }

  /** True while anything can still move without a human: the daemon's idle clock waits for this. */
  active(): boolean {
    return this.ticking || this.stacks.busy() || isActive(this.ctx);
  }

  /**
   * Stages waiting on an open pull request: nothing a human does here moves them, so the daemon
   * stays up to look (its idle clock waits while there are any).
   */
  awaitingPullRequests(): string[] {
    return this.pullRequests.waiting();
  }

  /** Where the run stands: done, still moving, or waiting on people (and on what). */
  progress(): RunProgress {
    return { ...runProgress(this.ctx), active: this.active() };
  }

  stage(id: string): StageRecord {
    return this.ctx.stage(id);
  }

  session(id: string): SessionRecord | undefined {
    return getSession(this.store, id);
  }

  /**
   * A completion request (`flux stage complete`): refused when the stage cannot be completed
   * now (not running, uncommitted work, already checking); otherwise the acceptance runs as
   * the stage's task and `result` is its verdict, which lands even if the caller goes away.
   */
  complete(
    stageId: string,
    options: {
      sessionId?: string | undefined;
      onProgress?: Parameters<typeof requestCompletion>[2]["onProgress"];
    },
  ): Promise<Accepted<Verdict>> {
    // The agent committed what it asks to complete: its branch head has likely moved.
    this.conflicts.poke(`completion request of ${stageId}`);
    return requestCompletion(this.ctx, stageId, options);
  }

  /** Resolves once no conflict prediction is running (its answer is then in the store). */
  conflictsSettled(): Promise<void> {
    return this.conflicts.idle();
  }

  /** A gate's evidence: the acceptance again and what a reviewer needs (STAGE_NOT_AT_GATE first). */
  evidence(
    stageId: string,
    onProgress?: Parameters<typeof gateEvidence>[2],
  ): Promise<Accepted<GateEvidence>> {
    return attempt(() => gateEvidence(this.ctx, stageId, onProgress));
  }

  approve(stageId: string, reviewer: string): StageRecord {
    return approveGate(this.ctx, stageId, reviewer);
  }

  reject(stageId: string, reason: string, reviewer: string): StageRecord {
    return rejectGate(this.ctx, stageId, reason, reviewer);
  }

  /** `flux merge <id>`: merges now, or says why not (preconditions before any task starts). */
  merge(stageId: string): Promise<MergeOutcome> {
    return mergeNow(this.ctx, stageId);
  }

  /** `flux merge <id> --resolve`: a session resolves the conflict that blocked the stage. */
  resolve(stageId: string): StageRecord {
    return resolveConflict(this.ctx, stageId);
  }

  /** `flux resume <id>`: a blocked or failed stage starts again. */
  resume(stageId: string): StageRecord {
    return resumeStage(this.ctx, stageId);
  }

  /**
   * A manual edge a human forces (`flux stage <id> block|reset|skip|cancel|complete --force`),
   * recorded with who forced it; the next pass acts on it (a session whose stage moved on ends).
   */
  force(
    stageId: string,
    action: ManualAction,
    meta: { reason?: string | undefined; actor: string },
  ): StageRecord {
    const plan = this.ctx.plan();
    this.ctx.stage(stageId);
    const { stage } = this.store.transition(plan.id, stageId, action, meta);
    this.ctx.project();
    this.wake(`${action} by ${meta.actor}`);
    return stage;
  }

  /** A runner says its agent is running. */
  sessionStarted(sessionId: string, pid: number | null): void {
    this.knownSession(sessionId);
    // Its start time too: a dead session's leftovers are killed only if the pid is still its.
    const start = pid === null ? null : (processStartTime(pid) ?? null);
    this.store.write((emit) => markSessionStarted(this.store, emit, sessionId, pid, start));
    heardFrom(this.ctx, sessionId);
    this.ctx.project();
    this.conflicts.watch();
  }

  /** A runner's heartbeat (health.ts): true while its session is open. */
  sessionHeartbeat(sessionId: string): boolean {
    return heartbeat(this.ctx, sessionId);
  }

  /** A runner reports its session's end. */
  sessionExited(sessionId: string, report: ExitReport): void {
    this.knownSession(sessionId);
    sessionEnded(this.ctx, sessionId, report.code, report.signal, "exited", report.telemetry);
    this.conflicts.poke(`session ${sessionId} exited`);
  }

  /** An interactive agent's hook (`flux hook <event>`). */
  hook(sessionId: string, body: Record<string, unknown>): HookAnswer {
    this.knownSession(sessionId);
    return handleHook(this.ctx, sessionId, body);
  }

  /** A session's context, from its runner or its hooks: recorded, and what the agent must do. */
  context(sessionId: string, body: ContextReportBody): ContextAnswer {
    this.knownSession(sessionId);
    const answer = reportContext(this.ctx, sessionId, body);
    if (answer.action === "stop") this.wake("context");
    return answer;
  }

  /**
   * `flux handoff create`: stores the agent's handoff with what Flux knows, moves the stage to
   * `needs_handoff`; its session ends and a fresh one continues from it.
   */
  createHandoff(
    stageId: string,
    input: { handoff: Handoff; sessionId?: string | undefined },
  ): Promise<HandoffRecord> {
    return createHandoff(this.ctx, stageId, input);
  }

  /** SESSION_NOT_FOUND for an id no session has: a report about nothing is not "ok". */
  private knownSession(sessionId: string): SessionRecord {
    const session = getSession(this.store, sessionId);
    if (session === undefined) throw sessionNotFound(sessionId);
    return session;
  }

  /** `flux sessions kill`: the session stops, its stage waits for a human. */
  killSession(sessionId: string): Promise<SessionRecord> {
    return killSession(this.ctx, sessionId);
  }

  /** A backend session closed somewhere: any session whose runner could not report is found. */
  checkSessions(): void {
    void checkSessions(this.ctx).catch((error: unknown) =>
      this.ctx.log(`checking sessions failed: ${String(error)}`),
    );
  }
}

/** A refusal thrown while checking preconditions, as the rejection of the returned promise. */
function attempt<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}
