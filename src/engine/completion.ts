/**
 * Verified completion (DESIGN.md §3): `flux stage complete` is a request. Flux refuses
 * uncommitted work, runs the acceptance in the worktree on that commit, stores the evidence and
 * answers. The run belongs to the engine, not to the request: the verdict lands even when the
 * caller is gone.
 */
import { dirtyFilesAsync, headCommitAsync, worktreePath } from "../adapters/git/index.ts";
import { ExitCode, FluxError, stageBusy } from "../core/errors.ts";
import type { Feedback } from "../core/signal/data.ts";
import { completeCommandFor } from "../core/signal/data.ts";
import { formatFeedback } from "../core/signal/feedback.ts";
import { processStartTime } from "../adapters/process/proc.ts";
import { recordAcceptance } from "../store/acceptance.ts";
import { beginTask, endTask, setTaskProcessGroup } from "../store/run-state.ts";
import type { CheckEvidence } from "../store/acceptance.ts";
import { latestSession } from "../store/sessions.ts";
import { recordFailure } from "../store/session-records.ts";
import { resetReminders } from "../store/session-input.ts";
import type { AcceptanceProgress, AcceptanceResult } from "./acceptance/index.ts";
import { failureFeedback, runAcceptance } from "./acceptance/index.ts";
import type { Accepted, EngineContext } from "./context.ts";
import { sessionEnv } from "./environment.ts";
import { ensureWorktree } from "./worktree.ts";
import { RESTACK_TASK, abortStaleRestack, restackForCompletion } from "./stack.ts";

export type VerdictTrigger = "request" | "exit" | "recheck" | "verify";

export interface Verdict {
  stageId: string;
  passed: boolean;
  commit: string;
  /** The stage's state after the verdict. */
  state: string;
  /** What failed, as the agent is told; empty on a pass. */
  report: string;
  checks: CheckEvidence[];
  durationMs: number;
  /** A stacked stage's branch was rebased before the acceptance: what the agent is told. */
  restacked?: string | undefined;
}

/** What a verdict run needs: why it runs, on which commit, for which session. */
export interface VerdictRequest {
  trigger: VerdictTrigger;
  commit: string;
  sessionId?: string | undefined;
  onProgress?: ((event: AcceptanceProgress) => void) | undefined;
  /** Passed on to the verdict (`Verdict.restacked`). */
  restacked?: string | undefined;
}

/**
 * A completion request from the stage's session or a human. Its preconditions are checked
 * before anything starts (a refusal is thrown); once they hold, the stage is `checking` and
 * `result` is the verdict to come.
 */
export async function requestCompletion(
  engine: EngineContext,
  stageId: string,
  options: { sessionId?: string | undefined; onProgress?: (event: AcceptanceProgress) => void },
): Promise<Accepted<Verdict>> {
  completable(engine, stageId);
  const worktree = worktreePath(engine.paths.root, stageId);
  await abortStaleRestack(engine, stageId);
  // Off the event loop: a large checkout's status must not stall the daemon.
  const [dirty, head] = await Promise.all([dirtyFilesAsync(worktree), headCommitAsync(worktree)]);
  if (dirty.length > 0) {
    throw new FluxError(
      "COMMIT_FIRST",
      `uncommitted changes in ${worktree}: ${dirty.slice(0, 10).join(", ")}${dirty.length > 10 ? ", …" : ""}`,
      {
        hint: "commit first: acceptance runs on a committed state, and the merge takes exactly that commit",
        exitCode: ExitCode.refused,
        data: { files: dirty },
      },
    );
  }
  // A stacked stage whose dependency moved or merged is rebased first (stack.ts).
  const restacked = await restackForCompletion(engine, stageId);
  const commit = restacked === undefined ? head : await headCommitAsync(worktree);
  // Checked again after git answered: another request may have come first.
  completable(engine, stageId);
  // Asking is progress: an interactive agent's Stop reminders start again from zero.
  if (options.sessionId !== undefined) resetReminders(engine.store, options.sessionId);
  engine.move(stageId, "completion_requested", undefined);
  const result = runVerdict(engine, stageId, {
    trigger: "request",
    commit,
    sessionId: options.sessionId,
    onProgress: options.onProgress,
    restacked,
  });
  return { result };
}

/** Refuses a completion request the stage cannot take now. */
function completable(engine: EngineContext, stageId: string): void {
  const stage = engine.stage(stageId);
  if (stage.state === "checking") {
    throw new FluxError("STAGE_CHECKING", `${stageId}'s acceptance is already running`, {
      hint: "wait for its verdict (`flux status`)",
      exitCode: ExitCode.refused,
    });
  }
  if (stage.state !== "running") {
    throw new FluxError(
      "STAGE_NOT_RUNNING",
      `${stageId} is ${stage.state}, not running: there is nothing to complete`,
      {
        hint:
          stage.state === "blocked" || stage.state === "failed"
            ? `\`flux resume ${stageId}\` starts it again`
            : "`flux status` shows where it stands",
        exitCode: ExitCode.refused,
      },
    );
  }
  // The session's start may still be finishing (its runner was quicker): the verdict waits for
  // it. Any other task in flight makes the request wait for nobody: it is refused.
  const inFlight = engine.tasks.what(stageId);
  if (inFlight !== undefined && inFlight !== "start") throw stageBusy(stageId, inFlight);
}

/**
 * Runs the acceptance as the stage's task and applies the verdict. If the run itself fails (not
 * the checks: the machinery), the stage is blocked with the error — it must not stay
 * `checking` with nothing running — and the caller gets the error.
 */
export function runVerdict(
  engine: EngineContext,
  stageId: string,
  options: VerdictRequest,
): Promise<Verdict> {
  // Queued behind the session's start (its runner was quicker) or the merge that asked for a
  // re-check; any other task in flight refuses it.
  const task = engine.tasks.run(
    stageId,
    "acceptance",
    async (): Promise<Verdict> => {
      const stage = engine.stage(stageId);
      const planId = engine.plan().id;
      const worktree = await ensureWorktree(engine, stageId);
      const startedAt = engine.clock.now().toISOString();
      // In the store before it runs: a restarted daemon redoes it and kills what it left.
      beginTask(engine.store, planId, {
        stageId,
        kind: "acceptance",
        commit: options.commit,
        trigger: options.trigger,
        sessionId: options.sessionId ?? null,
      });
      const result = await runAcceptance({
        cwd: worktree,
        checks: stage.spec.acceptance,
        env: sessionEnv(engine, stage.spec),
        onSpawn: (pgid) =>
          setTaskProcessGroup(engine.store, planId, stageId, {
            pgid,
            start: processStartTime(pgid) ?? null,
          }),
        onProgress: (event) => {
          try {
            options.onProgress?.(event);
          } catch {
            // The caller went away: the run goes on.
          }
        },
      });
      const plan = engine.plan();
      engine.store.write((emit) =>
        recordAcceptance(engine.store, emit, plan.id, {
          stageId,
          sessionId: options.sessionId ?? null,
          trigger: options.trigger,
          commit: options.commit,
          passed: result.passed,
          durationMs: result.durationMs,
          checks: result.checks,
          startedAt,
        }),
      );
      applyVerdict(engine, stageId, options.trigger, options.commit, result);
      endTask(engine.store, planId, stageId, "acceptance");
      const after = engine.stage(stageId);
      return {
        stageId,
        passed: result.passed,
        commit: options.commit,
        state: after.state,
        report: result.passed
          ? ""
          : formatFeedback(failureFeedback(result), completeCommandFor(stage.spec.agent)),
        checks: result.checks,
        durationMs: result.durationMs,
        ...(options.restacked === undefined ? {} : { restacked: options.restacked }),
      };
    },
    { after: ["start", "merge", RESTACK_TASK] },
  );
  return task.catch((error: unknown) => {
    if (!(error instanceof FluxError && error.code === "STAGE_BUSY")) {
      const plan = engine.store.activePlan();
      const state = plan === undefined ? undefined : engine.store.stage(plan.id, stageId)?.state;
      if (plan !== undefined) endTask(engine.store, plan.id, stageId, "acceptance");
      if (state === "checking") {
        engine.move(
          stageId,
          "block",
          `the acceptance run failed: ${error instanceof Error ? error.message : String(error)}`.slice(
            0,
            2000,
          ),
        );
      }
    }
    throw error;
  });
}

function applyVerdict(
  engine: EngineContext,
  stageId: string,
  trigger: VerdictTrigger,
  commit: string,
  result: AcceptanceResult,
): void {
  const stage = engine.stage(stageId);
  if (stage.state !== "checking") return; // a human moved it meanwhile (reset, cancel…)
  if (result.passed) {
    engine.move(stageId, "acceptance_passed", undefined, {
      passedCommit: commit,
      feedback: null,
      reason: null,
    });
    return;
  }
  const feedback: Feedback = failureFeedback(result, {
    attempt: stage.fixAttempts + 1,
    maxAttempts: stage.spec.maxFixAttempts,
  });
  const first = feedback.failed[0];
  const summary =
    first === undefined ? "acceptance failed" : `\`${first.command}\`: ${first.reason}`;
  if (trigger === "exit") {
    const exited = latestSession(engine.store, stage.planId, stageId);
    if (exited !== undefined && exited.failure === null)
      engine.store.write((emit) => recordFailure(engine.store, emit, exited.id, "acceptance"));
    engine.note(stageId, { feedback: JSON.stringify(feedback) });
    engine.crashed(
      stageId,
      `the agent exited without completing and its acceptance failed (${summary})`,
    );
    return;
  }
  if (stage.fixAttempts + 1 >= stage.spec.maxFixAttempts) {
    engine.move(
      stageId,
      "fix_attempts_exhausted",
      `acceptance failed ${stage.fixAttempts + 1} times; last: ${summary}`,
      { feedback: JSON.stringify(feedback) },
    );
    return;
  }
  engine.move(stageId, "acceptance_failed", summary, { feedback: JSON.stringify(feedback) });
  const session = latestSession(engine.store, engine.plan().id, stageId);
  const live = session !== undefined && session.endedAt === null && trigger === "request";
  if (!live) {
    engine.run.setPurpose(stageId, "fix");
    engine.move(stageId, "session_replaced", `a new session fixes: ${summary}`);
  }
}
