/**
 * Human gates (`verify: human`): the evidence a reviewer sees (the acceptance again, the diff,
 * the commits), approval and rejection. A rejected stage starts a new session with the
 * reviewer's reason as its feedback.
 */
import { commitsBetweenAsync, diffStatAsync, headCommitAsync } from "../adapters/git/index.ts";
import type { DiffStat } from "../adapters/git/index.ts";
import { stageNotAtGate } from "../core/errors.ts";
import type { Feedback } from "../core/signal/data.ts";
import { recordAcceptance } from "../store/acceptance.ts";
import type { CheckEvidence } from "../store/acceptance.ts";
import type { StageRecord } from "../store/store.ts";
import type { AcceptanceProgress } from "./acceptance/index.ts";
import { runAcceptance } from "./acceptance/index.ts";
import type { Accepted, EngineContext } from "./context.ts";
import { sessionEnv } from "./environment.ts";
import { ensureWorktree } from "./worktree.ts";

export interface GateEvidence {
  stageId: string;
  commit: string;
  passed: boolean;
  checks: CheckEvidence[];
  diffStat: DiffStat;
  commits: { sha: string; subject: string }[];
}

/**
 * Re-runs the acceptance of a stage at its gate and gathers what a reviewer needs. Refused
 * before anything runs when the stage is not at its gate or has a task in flight.
 */
export function gateEvidence(
  ctx: EngineContext,
  stageId: string,
  onProgress?: (event: AcceptanceProgress) => void,
): Accepted<GateEvidence> {
  const stage = atGate(ctx, stageId);
  const plan = ctx.plan();
  const result = ctx.tasks.run(stageId, "verify", async (): Promise<GateEvidence> => {
    const worktree = await ensureWorktree(ctx, stageId);
    const commit = stage.passedCommit ?? (await headCommitAsync(worktree));
    const startedAt = ctx.clock.now().toISOString();
    const run = await runAcceptance({
      cwd: worktree,
      checks: stage.spec.acceptance,
      env: sessionEnv(ctx, stage.spec),
      onProgress,
    });
    ctx.store.write((emit) =>
      recordAcceptance(ctx.store, emit, plan.id, {
        stageId,
        sessionId: null,
        trigger: "verify",
        commit,
        passed: run.passed,
        durationMs: run.durationMs,
        checks: run.checks,
        startedAt,
      }),
    );
    return {
      stageId,
      commit,
      passed: run.passed,
      checks: run.checks,
      diffStat: await diffStatAsync(ctx.paths.root, plan.baseBranch, commit),
      commits: await commitsBetweenAsync(ctx.paths.root, plan.baseBranch, commit),
    };
  });
  return { result };
}

export function approveGate(ctx: EngineContext, stageId: string, reviewer: string): StageRecord {
  atGate(ctx, stageId);
  const after = ctx.move(stageId, "gate_approved", `approved by ${reviewer}`);
  ctx.wake("gate approved");
  return after;
}

export function rejectGate(
  ctx: EngineContext,
  stageId: string,
  reason: string,
  reviewer: string,
): StageRecord {
  atGate(ctx, stageId);
  const feedback: Feedback = { kind: "gate", reason, reviewer };
  ctx.run.setPurpose(stageId, "rejected");
  const after = ctx.move(stageId, "gate_rejected", `rejected by ${reviewer}: ${reason}`, {
    feedback: JSON.stringify(feedback),
  });
  ctx.run.include(stageId);
  ctx.wake("gate rejected");
  return after;
}

/** The stage, when it waits at its gate; STAGE_NOT_AT_GATE otherwise. */
function atGate(ctx: EngineContext, stageId: string): StageRecord {
  const stage = ctx.stage(stageId);
  if (stage.state !== "awaiting_verification")
    throw stageNotAtGate(stageId, stage.state, stage.spec.verify);
  return stage;
}
