/** Human gates (`verify: human`), `flux merge`, `flux resume`: the engine's answers to a human. */
import { commitsBetween, diffStat, headCommit } from "../adapters/git/index.ts";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { Feedback } from "../core/signal/data.ts";
import { recordAcceptance } from "../store/acceptance.ts";
import type { CheckEvidence } from "../store/acceptance.ts";
import type { DiffStat } from "../adapters/git/index.ts";
import type { AcceptanceProgress } from "./acceptance/index.ts";
import { runAcceptance } from "./acceptance/index.ts";
import { worktreeOf } from "./completion.ts";
import type { Engine } from "./engine.ts";
import type { MergeOutcome } from "./merge.ts";
import { mergeTask } from "./merge.ts";
import { sessionEnv } from "./start.ts";

export interface GateEvidence {
  stageId: string;
  commit: string;
  passed: boolean;
  checks: CheckEvidence[];
  diffStat: DiffStat;
  commits: { sha: string; subject: string }[];
}

/** Re-runs the acceptance of a stage at its gate and gathers what a reviewer needs. */
export async function gateEvidence(
  engine: Engine,
  stageId: string,
  onProgress?: (event: AcceptanceProgress) => void,
): Promise<GateEvidence> {
  const stage = engine.stage(stageId);
  if (stage.state !== "awaiting_verification") {
    throw new FluxError(
      "STAGE_NOT_AT_GATE",
      `${stageId} is ${stage.state}, not awaiting verification`,
      {
        hint:
          stage.spec.verify === "human"
            ? "it reaches its gate when its acceptance passes"
            : `${stageId} has no human gate (verify: auto)`,
        exitCode: ExitCode.refused,
      },
    );
  }
  const plan = engine.plan();
  const worktree = worktreeOf(engine, stageId);
  const commit = stage.passedCommit ?? headCommit(worktree);
  let evidence: GateEvidence | undefined;
  await engine.runTask(stageId, "verify", async () => {
    const startedAt = engine.clock().toISOString();
    const result = await runAcceptance({
      cwd: worktree,
      checks: stage.spec.acceptance,
      env: sessionEnv(engine, stage.spec),
      onProgress,
    });
    engine.store.write((emit) =>
      recordAcceptance(engine.store, emit, plan.id, {
        stageId,
        sessionId: null,
        trigger: "verify",
        commit,
        passed: result.passed,
        durationMs: result.durationMs,
        checks: result.checks,
        startedAt,
      }),
    );
    evidence = {
      stageId,
      commit,
      passed: result.passed,
      checks: result.checks,
      diffStat: diffStat(engine.paths.root, plan.baseBranch, commit),
      commits: commitsBetween(engine.paths.root, plan.baseBranch, commit),
    };
  });
  if (evidence === undefined) {
    throw new FluxError("STAGE_BUSY", `${stageId} is busy with another task`, {
      hint: "try again in a moment",
      exitCode: ExitCode.refused,
    });
  }
  return evidence;
}

export function approveGate(engine: Engine, stageId: string, reviewer: string): void {
  engine.move(stageId, "gate_approved", `approved by ${reviewer}`);
  engine.wake("gate approved");
}

export function rejectGate(
  engine: Engine,
  stageId: string,
  reason: string,
  reviewer: string,
): void {
  const feedback: Feedback = { kind: "gate", reason, reviewer };
  engine.nextPurpose.set(stageId, "rejected");
  engine.move(stageId, "gate_rejected", `rejected by ${reviewer}: ${reason}`, {
    feedback: JSON.stringify(feedback),
  });
  includeInScope(engine, stageId);
  engine.wake("gate rejected");
}

/** `flux merge <id>`: merge now (manual mode, or after the user's overlapping files are committed). */
export async function mergeNow(engine: Engine, stageId: string): Promise<MergeOutcome> {
  engine.mergeWaits.delete(stageId);
  let outcome: MergeOutcome | undefined;
  await engine.runTask(stageId, "merge", async () => {
    outcome = await mergeTask(engine, stageId, true);
  });
  if (outcome === undefined) {
    throw new FluxError("STAGE_BUSY", `${stageId} is busy with another task`, {
      hint: "try again when its current task ends",
      exitCode: ExitCode.refused,
    });
  }
  return outcome;
}

/** `flux resume <id>`: a blocked or failed stage starts again with a recovery signal. */
export function resumeStage(engine: Engine, stageId: string): void {
  const stage = engine.stage(stageId);
  if (stage.state !== "blocked" && stage.state !== "failed") {
    throw new FluxError(
      "STAGE_NOT_RESUMABLE",
      `${stageId} is ${stage.state}: only a blocked or failed stage resumes`,
      {
        hint: "`flux stage <id> reset` starts any stage over",
        exitCode: ExitCode.refused,
      },
    );
  }
  engine.nextPurpose.set(stageId, "resume");
  engine.move(stageId, "resumed", "resumed by a human");
  includeInScope(engine, stageId);
  engine.wake("resume");
}

function includeInScope(engine: Engine, stageId: string): void {
  if (engine.scope === undefined) engine.scope = { stages: new Set([stageId]), manual: false };
  else if (engine.scope.stages !== null) engine.scope.stages.add(stageId);
}
