/**
 * The narrow context the engine's handler modules act through (STYLE.md: "handlers take a
 * narrow context, not the god object"): the store and the outside world, the three owners of
 * the engine's mutable state, and the few verbs one handler needs of another. The `Engine`
 * builds it and wires the verbs, so handler modules import each other's types only and there
 * is no runtime import circle.
 */
import type { SessionBackend } from "../adapters/sessions/backend.ts";
import type { ContextLayer } from "../core/context/levels.ts";
import type { HealthSettings } from "../core/health.ts";
import type { LimitSettings } from "../core/limits/policy.ts";
import type { StageAction } from "../core/stage/actions.ts";
import type { WorkPaths } from "../store/paths.ts";
import type { PlanRecord, StageFacts, StageRecord, Store } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import type { Verdict, VerdictRequest } from "./completion.ts";
import type { HealthWatch, MachineReader } from "./health.ts";
import type { ParkAlarm } from "./limits.ts";
import type { RunScope } from "./run-scope.ts";
import type { SessionWatch } from "./session-watch.ts";
import type { StageTasks } from "./tasks.ts";

/** A request the engine accepted: its preconditions held and its work is under way. */
export interface Accepted<T> {
  result: Promise<T>;
}

export interface EngineContext {
  readonly store: Store;
  readonly paths: WorkPaths;
  readonly backend: SessionBackend;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Absolute path of the running `flux` (bin/flux.js): sessions call it as "$FLUX_BIN". */
  readonly fluxBin: string;
  /** Directory with signal template overrides (config `sessions.prompt_dir`). */
  readonly promptDir: string | undefined;
  /** Times the Stop hook sends an interactive agent back to work. */
  readonly stopReminders: number;
  /** The repository's per-user state directory: session specs, the run's environment. */
  readonly stateDir: string;
  /**
   * `[context]`: thresholds and window before a plan's or stage's own, and the bounds on an
   * agent told to hand off (tool calls, time) before Flux does it.
   */
  readonly handoff: { settings: ContextLayer; steps: number; timeoutMs: number };

  /** `[health]`, the health timers of open sessions, and the machine's readings (health.ts). */
  readonly health: { settings: HealthSettings; watch: HealthWatch; machine: MachineReader };
  /** `merge: pr`: the remote stage branches are pushed to (`[merge] remote`). */
  readonly pullRequests: { remote: string };
  /** `[limits]`, and the one timer of the parked stages (limits.ts). */
  readonly limits: { settings: LimitSettings; alarm: ParkAlarm };

  /** Long work per stage, one task at a time. */
  readonly tasks: StageTasks;
  /** Timers, endings and liveness checks per session. */
  readonly sessions: SessionWatch;
  /** What `flux run` asked, and what the engine remembers per stage between passes. */
  readonly run: RunScope;

  /** The active plan (NO_ACTIVE_PLAN otherwise). */
  plan(): PlanRecord;
  /** A stage of the active plan (STAGE_NOT_FOUND otherwise). */
  stage(id: string): StageRecord;
  /** Moves a stage along an edge of the state machine, as Flux, and refreshes the projections. */
  move(stageId: string, action: StageAction, reason?: string, facts?: StageFacts): StageRecord;
  /** Records facts about a stage (reason, feedback…) without moving it. */
  note(stageId: string, facts: StageFacts): void;
  /** Rewrites the .work/ projections. */
  project(): void;
  /** Asks for a scheduling pass. */
  wake(reason: string): void;
  /** Tells the user something once per engine (an event and a log line). */
  notice(text: string): void;

  /** Runs a stage's acceptance as its task and applies the verdict (completion.ts). */
  verdict(stageId: string, request: VerdictRequest): Promise<Verdict>;
  /** A stage's session failed: restart it with a recovery signal, or fail it (lifecycle.ts). */
  crashed(stageId: string, why: string): void;
  /** A session found gone: it ends as its runner's exit.json says, else as lost (lifecycle.ts). */
  endGone(sessionId: string): void;
  /** Re-arms the deadline of an agent told to hand off, after a restart (context-report.ts). */
  rearmHandoff(sessionId: string, ms: number): void;
  /** Removes a merged stage's worktree when it is clean (merge.ts). */
  removeMergedWorktree(stageId: string): Promise<void>;
}
