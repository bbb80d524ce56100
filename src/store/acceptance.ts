/** Acceptance evidence: what ran, on which commit, and what came out. */
import type { CheckResult } from "../core/acceptance.ts";
import type { FluxEvent, NewEvent } from "./events.ts";
import type { Store } from "./store.ts";

/** The evidence of one check is the check's result as the acceptance runner reported it. */
export type CheckEvidence = CheckResult;

export interface AcceptanceRecord {
  id: number;
  stageId: string;
  sessionId: string | null;
  /** request (the agent or a human asked), exit (the agent exited), verify (a gate), recheck. */
  trigger: string;
  commit: string;
  passed: boolean;
  durationMs: number;
  checks: CheckEvidence[];
  startedAt: string;
}

export function recordAcceptance(
  store: Store,
  emit: (e: NewEvent) => FluxEvent,
  planId: number,
  run: Omit<AcceptanceRecord, "id">,
): number {
  const info = store.db
    .prepare(
      `INSERT INTO acceptance_runs (plan_id, stage_id, session_id, trigger, commit_sha, passed, duration_ms, checks, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      planId,
      run.stageId,
      run.sessionId,
      run.trigger,
      run.commit,
      run.passed ? 1 : 0,
      Math.round(run.durationMs),
      JSON.stringify(run.checks),
      run.startedAt,
    );
  const id = Number(info.lastInsertRowid);
  emit({
    type: "acceptance.finished",
    planId,
    stageId: run.stageId,
    data: {
      run: id,
      passed: run.passed,
      commit: run.commit,
      trigger: run.trigger,
      durationMs: Math.round(run.durationMs),
    },
  });
  return id;
}

interface Row {
  id: number;
  stage_id: string;
  session_id: string | null;
  trigger: string;
  commit_sha: string;
  passed: number;
  duration_ms: number;
  checks: string;
  started_at: string;
}

export function acceptanceRuns(store: Store, planId: number, stageId: string): AcceptanceRecord[] {
  const rows = store.db
    .prepare("SELECT * FROM acceptance_runs WHERE plan_id = ? AND stage_id = ? ORDER BY id")
    .all(planId, stageId) as Row[];
  return rows.map((r) => ({
    id: r.id,
    stageId: r.stage_id,
    sessionId: r.session_id,
    trigger: r.trigger,
    commit: r.commit_sha,
    passed: r.passed === 1,
    durationMs: r.duration_ms,
    checks: JSON.parse(r.checks) as CheckEvidence[],
    startedAt: r.started_at,
  }));
}
