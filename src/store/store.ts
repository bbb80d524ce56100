/**
 * The store is the truth (DESIGN.md §5). Every change is one SQLite transaction that also
 * appends its events; events are published to in-process listeners only after the commit, and
 * the `.work/` projections are brought up to date after it (see ./projections/).
 */
import { stageNotFound } from "../core/errors.ts";
import type { Plan, Stage } from "../core/plan/model.ts";
import type { StageState } from "../core/stage/states.ts";
import type { StageAction } from "../core/stage/actions.ts";
import type { TransitionResult } from "../core/stage/machine.ts";
import { transition } from "../core/stage/machine.ts";
import { isDependencySatisfied } from "../core/graph/readiness.ts";
import type { ApplyPlanInput, ApplyPlanResult } from "./apply-plan.ts";
import { applyPlan } from "./apply-plan.ts";
import type { Db } from "./db.ts";
import { openDb } from "./db.ts";
import type { EventListener, FluxEvent, NewEvent } from "./events.ts";
import { appendEvent, eventsSince, lastSeq } from "./events.ts";

export interface PlanRecord {
  id: number;
  file: string;
  title: string;
  contentHash: string;
  baseBranch: string;
  overview: string;
  groups: Plan["groups"];
  createdAt: string;
  updatedAt: string;
}

/** What the engine records about a stage beside its state. `null` clears a fact. */
export interface StageFacts {
  reason?: string | null;
  /** The commit whose acceptance passed: the merge takes exactly this commit. */
  passedCommit?: string | null;
  mergeCommit?: string | null;
  /** For the next session: a failed acceptance's report or a rejected gate's reason. */
  feedback?: string | null;
  /** A parked stage's deadline (ISO): it goes back to ready by itself then. */
  parkedUntil?: string | null;
  /** A stacked stage: the dependency's commit its branch is stacked on (engine/stack.ts). */
  stackedOn?: string | null;
  /** Set while Flux rebases a stacked stage's branch (the commit it rebases onto). */
  restacking?: string | null;
}

export interface StageRecord {
  planId: number;
  id: string;
  position: number;
  state: StageState;
  spec: Stage;
  retries: number;
  fixAttempts: number;
  reason: string | null;
  passedCommit: string | null;
  mergeCommit: string | null;
  feedback: string | null;
  /** Set while the stage is parked: when the limit it waits for resets (ISO). */
  parkedUntil: string | null;
  /** A stacked stage built on its unmerged dependency: the dependency commit it sits on. */
  stackedOn: string | null;
  /** A rebase of the stage's branch Flux began (the target commit): a kill may have cut it off. */
  restacking: string | null;
  updatedAt: string;
}

export interface StoreOptions {
  /** Time source; default `() => new Date()`. */
  clock?: () => Date;
  busyTimeoutMs?: number;
}

interface PlanRow {
  id: number;
  file: string;
  title: string;
  content_hash: string;
  base_branch: string;
  spec: string;
  created_at: string;
  updated_at: string;
}

interface StageRow {
  plan_id: number;
  id: string;
  position: number;
  state: StageState;
  spec: string;
  retries: number;
  fix_attempts: number;
  reason: string | null;
  passed_commit: string | null;
  merge_commit: string | null;
  feedback: string | null;
  parked_until: string | null;
  stacked_on: string | null;
  restacking: string | null;
  updated_at: string;
}

export class Store {
  readonly db: Db;
  private readonly clock: () => Date;
  private readonly listeners = new Set<EventListener>();

  constructor(file: string, options: StoreOptions = {}) {
    this.db = openDb(file, { busyTimeoutMs: options.busyTimeoutMs });
    this.clock = options.clock ?? (() => new Date());
  }

  close(): void {
    this.db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Listeners hear every event this process commits, after the commit. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  now(): string {
    return this.clock().toISOString();
  }

  activePlan(): PlanRecord | undefined {
    const row = this.db.prepare("SELECT * FROM plans WHERE active = 1").get() as
      PlanRow | undefined;
    return row === undefined ? undefined : planFromRow(row);
  }

  stages(planId: number): StageRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM stages WHERE plan_id = ? ORDER BY position")
      .all(planId) as StageRow[];
    return rows.map(stageFromRow);
  }

  stage(planId: number, id: string): StageRecord | undefined {
    const row = this.db
      .prepare("SELECT * FROM stages WHERE plan_id = ? AND id = ?")
      .get(planId, id) as StageRow | undefined;
    return row === undefined ? undefined : stageFromRow(row);
  }

  lastSeq(): number {
    return lastSeq(this.db);
  }

  eventsSince(seq: number, limit?: number): FluxEvent[] {
    return eventsSince(this.db, seq, limit);
  }

  stageEvents(planId: number, stageId: string, limit = 50): FluxEvent[] {
    const rows = this.db
      .prepare(
        `SELECT seq FROM events WHERE plan_id = ? AND stage_id = ? ORDER BY seq DESC LIMIT ?`,
      )
      .all(planId, stageId, limit) as { seq: number }[];
    const oldest = rows.at(-1)?.seq;
    if (oldest === undefined) return [];
    return this.eventsSince(oldest - 1, limit * 4).filter(
      (e) => e.planId === planId && e.stageId === stageId,
    );
  }

  /** The state the event log says a stage is in: the target of its last transition. */
  loggedState(planId: number, stageId: string): string | undefined {
    const row = this.db
      .prepare(
        `SELECT json_extract(data, '$.to') AS state FROM events
         WHERE plan_id = ? AND stage_id = ? AND type = 'stage.transitioned' ORDER BY seq DESC LIMIT 1`,
      )
      .get(planId, stageId) as { state: string } | undefined;
    return row?.state;
  }

  /**
   * Runs `work` in one immediate transaction; the events it appends are published after the
   * commit. Immediate: the write lock is taken up front, so a read-then-write never races
   * another process.
   */
  write<T>(work: (emit: (event: NewEvent) => FluxEvent) => T): { result: T; events: FluxEvent[] } {
    const events: FluxEvent[] = [];
    const at = this.now();
    const run = this.db.transaction(() => {
      events.length = 0;
      return work((event) => {
        const stored = appendEvent(this.db, at, event);
        events.push(stored);
        return stored;
      });
    });
    const result = run.immediate();
    for (const event of events) for (const listener of this.listeners) listener(event);
    return { result, events };
  }

  /** Stores a plan or reconciles its edits: see ./apply-plan.ts. */
  applyPlan(input: ApplyPlanInput, options: { force?: boolean } = {}): ApplyPlanResult {
    return applyPlan(this, input, options);
  }

  /**
   * Moves a stage along the edge `action` of the core state machine, in one transaction with
   * the readiness of the other stages settled after it. Illegal edges throw before anything is
   * written.
   */
  transition(
    planId: number,
    stageId: string,
    action: StageAction,
    meta: { reason?: string | undefined; actor: string },
  ): { stage: StageRecord; events: FluxEvent[] } {
    const { result, events } = this.write((emit) =>
      this.transitionWithin(emit, planId, stageId, action, meta),
    );
    return { stage: result, events };
  }

  /** `transition` inside a caller's `write`, so other changes commit with it. */
  transitionWithin(
    emit: (event: NewEvent) => FluxEvent,
    planId: number,
    stageId: string,
    action: StageAction,
    meta: { reason?: string | undefined; actor: string },
  ): StageRecord {
    const stage = this.stage(planId, stageId);
    if (stage === undefined) {
      const known = this.stages(planId).map((s) => s.id);
      throw stageNotFound(stageId, known);
    }
    const states = new Map(this.stages(planId).map((s) => [s.id, s.state]));
    const depsSatisfied = stage.spec.dependencies.every((d) =>
      isDependencySatisfied(states.get(d), stage.spec.stack),
    );
    const outcome = transition(stage.state, action, {
      reason: meta.reason,
      depsSatisfied,
      stageId,
    });
    this.applyOutcome(stage, outcome, meta.actor, emit);
    this.settleReadiness(planId, emit);
    const after = this.stage(planId, stageId);
    if (after === undefined) throw new Error(`stage ${stageId} vanished inside its transaction`);
    return after;
  }

  /** Sets the engine's facts about a stage (no state change; recorded as a `stage.noted` event). */
  noteStage(
    emit: (event: NewEvent) => FluxEvent,
    planId: number,
    stageId: string,
    facts: StageFacts,
  ): void {
    const sets: string[] = [];
    const values: (string | null)[] = [];
    for (const [key, column] of [
      ["reason", "reason"],
      ["passedCommit", "passed_commit"],
      ["mergeCommit", "merge_commit"],
      ["feedback", "feedback"],
      ["parkedUntil", "parked_until"],
      ["stackedOn", "stacked_on"],
      ["restacking", "restacking"],
    ] as const) {
      if (!(key in facts)) continue;
      sets.push(`${column} = ?`);
      values.push(facts[key] ?? null);
    }
    if (sets.length === 0) return;
    this.db
      .prepare(`UPDATE stages SET ${sets.join(", ")}, updated_at = ? WHERE plan_id = ? AND id = ?`)
      .run(...values, this.now(), planId, stageId);
    emit({ type: "stage.noted", planId, stageId, data: { ...facts } });
  }

  /** waiting ↔ ready follows the dependencies: run after every change, inside its `write`. */
  settleReadiness(planId: number, emit: (event: NewEvent) => FluxEvent): void {
    const stages = this.stages(planId);
    const states = new Map(stages.map((s) => [s.id, s.state]));
    for (const stage of stages) {
      if (stage.state !== "waiting" && stage.state !== "ready") continue;
      const satisfied = stage.spec.dependencies.every((d) =>
        isDependencySatisfied(states.get(d), stage.spec.stack),
      );
      if (satisfied === (stage.state === "ready")) continue;
      const outcome = transition(stage.state, satisfied ? "deps_satisfied" : "deps_unsatisfied", {
        stageId: stage.id,
      });
      this.applyOutcome(stage, outcome, "flux", emit);
      states.set(stage.id, outcome.state);
    }
  }

  private applyOutcome(
    stage: StageRecord,
    outcome: TransitionResult,
    actor: string,
    emit: (event: NewEvent) => FluxEvent,
  ): void {
    const { event } = outcome;
    const clear = event.countersCleared ? 1 : 0;
    this.db
      .prepare(
        `UPDATE stages SET state = ?, reason = ?, updated_at = ?,
           parked_until = CASE WHEN state = 'parked' AND ? <> 'parked' THEN NULL ELSE parked_until END,
           retries = CASE WHEN ? THEN 0 ELSE retries + ? END,
           fix_attempts = CASE WHEN ? THEN 0 ELSE fix_attempts + ? END
         WHERE plan_id = ? AND id = ?`,
      )
      .run(
        outcome.state,
        event.reason ?? null,
        this.now(),
        outcome.state,
        clear,
        event.counter === "retries" ? 1 : 0,
        clear,
        event.counter === "fixAttempts" ? 1 : 0,
        stage.planId,
        stage.id,
      );
    const { type: _type, ...data } = event;
    emit({
      type: "stage.transitioned",
      planId: stage.planId,
      stageId: stage.id,
      data: { ...data, actor },
    });
  }
}

function planFromRow(row: PlanRow): PlanRecord {
  const spec = JSON.parse(row.spec) as { overview: string; groups: Plan["groups"] };
  return {
    id: row.id,
    file: row.file,
    title: row.title,
    contentHash: row.content_hash,
    baseBranch: row.base_branch,
    overview: spec.overview,
    groups: spec.groups,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function stageFromRow(row: StageRow): StageRecord {
  return {
    planId: row.plan_id,
    id: row.id,
    position: row.position,
    state: row.state,
    spec: JSON.parse(row.spec) as Stage,
    retries: row.retries,
    fixAttempts: row.fix_attempts,
    reason: row.reason,
    passedCommit: row.passed_commit,
    mergeCommit: row.merge_commit,
    feedback: row.feedback,
    parkedUntil: row.parked_until,
    stackedOn: row.stacked_on ?? null,
    restacking: row.restacking ?? null,
    updatedAt: row.updated_at,
  };
}
