/**
 * What the engine must remember across a restart (DESIGN.md §3: "a daemon that dies loses
 * nothing"), beside the stages' states: the run's scope, per-stage run facts (why its next
 * session starts, a merge held for `flux merge`, the command printed for a `--manual` run) and
 * the tasks in flight (which kind, on which commit, the acceptance's process group). Never the
 * run's environment: it holds API keys, and `flux.db` backups travel (see state-dir.ts).
 */
import type { SessionPurpose } from "./sessions.ts";
import type { Store } from "./store.ts";

export interface RunScopeRecord {
  /** null: every stage of the plan. */
  stages: string[] | null;
  manual: boolean;
  maxParallel: number | null;
}

export interface StageRunFacts {
  nextPurpose: SessionPurpose | null;
  mergeHeld: boolean;
  manualCommand: string | null;
}

export interface TaskRecord {
  stageId: string;
  kind: string;
  commit: string | null;
  trigger: string | null;
  sessionId: string | null;
  /** The process group of the acceptance check running now, if any. */
  pgid: number | null;
  /** Its leader's start time where the system tells (a pid can be reused). */
  pgidStart: string | null;
  startedAt: string;
}

export function readRunScope(store: Store, planId: number): RunScopeRecord | undefined {
  const row = store.db
    .prepare("SELECT stages, manual, max_parallel AS maxParallel FROM run_scope WHERE plan_id = ?")
    .get(planId) as
    { stages: string | null; manual: number; maxParallel: number | null } | undefined;
  if (row === undefined) return undefined;
  return {
    stages: row.stages === null ? null : (JSON.parse(row.stages) as string[]),
    manual: row.manual === 1,
    maxParallel: row.maxParallel,
  };
}

export function writeRunScope(store: Store, planId: number, scope: RunScopeRecord): void {
  store.db
    .prepare(
      `INSERT INTO run_scope (plan_id, stages, manual, max_parallel, updated_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (plan_id) DO UPDATE SET stages = excluded.stages, manual = excluded.manual,
         max_parallel = excluded.max_parallel, updated_at = excluded.updated_at`,
    )
    .run(
      planId,
      scope.stages === null ? null : JSON.stringify(scope.stages),
      scope.manual ? 1 : 0,
      scope.maxParallel,
      store.now(),
    );
}

export function readStageRuns(store: Store, planId: number): Map<string, StageRunFacts> {
  const rows = store.db
    .prepare(
      `SELECT stage_id AS stageId, next_purpose AS nextPurpose, merge_held AS mergeHeld,
         manual_command AS manualCommand FROM stage_run WHERE plan_id = ?`,
    )
    .all(planId) as {
    stageId: string;
    nextPurpose: SessionPurpose | null;
    mergeHeld: number;
    manualCommand: string | null;
  }[];
  return new Map(
    rows.map((r) => [
      r.stageId,
      { nextPurpose: r.nextPurpose, mergeHeld: r.mergeHeld === 1, manualCommand: r.manualCommand },
    ]),
  );
}

/** Writes one stage's run facts (the row goes when nothing is left to remember). */
export function writeStageRun(
  store: Store,
  planId: number,
  stageId: string,
  facts: StageRunFacts,
): void {
  if (facts.nextPurpose === null && !facts.mergeHeld && facts.manualCommand === null) {
    store.db
      .prepare("DELETE FROM stage_run WHERE plan_id = ? AND stage_id = ?")
      .run(planId, stageId);
    return;
  }
  store.db
    .prepare(
      `INSERT INTO stage_run (plan_id, stage_id, next_purpose, merge_held, manual_command)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (plan_id, stage_id) DO UPDATE SET next_purpose = excluded.next_purpose,
         merge_held = excluded.merge_held, manual_command = excluded.manual_command`,
    )
    .run(planId, stageId, facts.nextPurpose, facts.mergeHeld ? 1 : 0, facts.manualCommand);
}

export function beginTask(
  store: Store,
  planId: number,
  task: Omit<TaskRecord, "startedAt" | "pgid" | "pgidStart">,
): void {
  store.db
    .prepare(
      `INSERT INTO stage_tasks (plan_id, stage_id, kind, commit_sha, trigger, session_id, pgid, started_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
       ON CONFLICT (plan_id, stage_id) DO UPDATE SET kind = excluded.kind,
         commit_sha = excluded.commit_sha, trigger = excluded.trigger,
         session_id = excluded.session_id, pgid = NULL, pgid_start = NULL,
         started_at = excluded.started_at`,
    )
    .run(planId, task.stageId, task.kind, task.commit, task.trigger, task.sessionId, store.now());
}

export function setTaskProcessGroup(
  store: Store,
  planId: number,
  stageId: string,
  group: { pgid: number; start: string | null } | null,
): void {
  store.db
    .prepare("UPDATE stage_tasks SET pgid = ?, pgid_start = ? WHERE plan_id = ? AND stage_id = ?")
    .run(group?.pgid ?? null, group?.start ?? null, planId, stageId);
}

export function endTask(store: Store, planId: number, stageId: string, kind: string): void {
  store.db
    .prepare("DELETE FROM stage_tasks WHERE plan_id = ? AND stage_id = ? AND kind = ?")
    .run(planId, stageId, kind);
}

export function openTasks(store: Store, planId: number): TaskRecord[] {
  return store.db
    .prepare(
      `SELECT stage_id AS stageId, kind, commit_sha AS "commit", trigger, session_id AS sessionId,
         pgid, pgid_start AS pgidStart, started_at AS startedAt FROM stage_tasks WHERE plan_id = ? ORDER BY stage_id`,
    )
    .all(planId) as TaskRecord[];
}
