/**
 * Plan reconciliation: stores a plan the first time, again after an edit, or in place of the
 * active one, in one transaction of the store (DESIGN.md §5). The core's `diffPlan` decides what
 * changed; this writes it and refuses what would lose started work unless forced.
 */
import { createHash } from "node:crypto";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { Plan, Stage } from "../core/plan/model.ts";
import type { PlanDiff } from "../core/reconcile.ts";
import { diffPlan } from "../core/reconcile.ts";
import { TERMINAL_STATES } from "../core/stage/states.ts";
import type { FluxEvent } from "./events.ts";
import type { StageRecord, Store } from "./store.ts";

export interface ApplyPlanInput {
  plan: Plan;
  /** Plan file relative to the repository root. */
  file: string;
  contentHash: string;
  baseBranch: string;
}

export interface ApplyPlanResult {
  planId: number;
  /** True when this made a new plan active (first init, or another plan with --force). */
  created: boolean;
  diff: PlanDiff;
  events: FluxEvent[];
}

/**
 * Stores a plan: the first time, or again after an edit (reconcile), or another plan in place
 * of the active one. Refuses to drop or rewrite stages past `ready`, and to replace a plan
 * with unmerged stages, unless `force`.
 */
export function applyPlan(
  store: Store,
  input: ApplyPlanInput,
  options: { force?: boolean } = {},
): ApplyPlanResult {
  const force = options.force ?? false;
  const { db } = store;
  const { result, events } = store.write((emit) => {
    const now = store.now();
    const current = store.activePlan();
    const samePlan = current !== undefined && current.file === input.file;
    if (current !== undefined && !samePlan) {
      const open = store.stages(current.id).filter((s) => !TERMINAL_STATES.has(s.state));
      if (open.length > 0 && !force) {
        throw new FluxError(
          "PLAN_ACTIVE_UNMERGED",
          `${current.file} is the active plan and ${open.length} of its stages are not merged ` +
            `(${open
              .slice(0, 5)
              .map((s) => `${s.id}: ${s.state}`)
              .join(", ")}${open.length > 5 ? ", …" : ""})`,
          {
            hint: `finish or cancel them, or run \`flux init ${input.file} --force\` to make the new plan active (the old plan's history is kept)`,
            exitCode: ExitCode.refused,
            data: { activePlan: current.file, unmerged: open.map((s) => s.id) },
          },
        );
      }
      db.prepare("UPDATE plans SET active = 0, updated_at = ? WHERE id = ?").run(now, current.id);
      emit({
        type: "plan.deactivated",
        planId: current.id,
        stageId: null,
        data: { file: current.file },
      });
    }

    const spec = JSON.stringify({ overview: input.plan.overview, groups: input.plan.groups });
    let planId: number;
    let existing: StageRecord[] = [];
    if (samePlan) {
      planId = current.id;
      existing = store.stages(planId);
      db.prepare(
        "UPDATE plans SET title = ?, content_hash = ?, base_branch = ?, spec = ?, updated_at = ? WHERE id = ?",
      ).run(input.plan.title, input.contentHash, input.baseBranch, spec, now, planId);
    } else {
      const info = db
        .prepare(
          `INSERT INTO plans (file, title, content_hash, base_branch, spec, active, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
        )
        .run(input.file, input.plan.title, input.contentHash, input.baseBranch, spec, now, now);
      planId = Number(info.lastInsertRowid);
    }

    const diff = diffPlan(existing, input.plan.stages);
    if (diff.refused.length > 0 && !force) {
      throw new FluxError(
        "PLAN_RECONCILE_REFUSED",
        `the edited plan would ${diff.refused
          .map((r) => `${r.change === "removed" ? "drop" : "rewrite"} ${r.id} (${r.state})`)
          .join(", ")}`,
        {
          hint: "these stages already started; run again with --force to apply anyway, or `flux stage <id> reset` first",
          exitCode: ExitCode.refused,
          data: { refused: diff.refused },
        },
      );
    }

    db.prepare("DELETE FROM edges WHERE plan_id = ?").run(planId);
    for (const removed of diff.removed) {
      db.prepare("DELETE FROM stages WHERE plan_id = ? AND id = ?").run(planId, removed.id);
      emit({
        type: "stage.removed",
        planId,
        stageId: removed.id,
        data: { state: removed.state },
      });
    }
    const changed = new Map(diff.changed.map((c) => [c.id, c]));
    const added = new Set(diff.added.map((s) => s.id));
    const upsert = db.prepare(
      `INSERT INTO stages (plan_id, id, position, state, spec, spec_hash, updated_at)
       VALUES (?, ?, ?, 'waiting', ?, ?, ?)
       ON CONFLICT (plan_id, id) DO UPDATE SET
         position = excluded.position, spec = excluded.spec, spec_hash = excluded.spec_hash,
         updated_at = CASE WHEN stages.spec_hash = excluded.spec_hash THEN stages.updated_at ELSE excluded.updated_at END`,
    );
    input.plan.stages.forEach((stage, position) => {
      upsert.run(planId, stage.id, position, JSON.stringify(stage), specHash(stage), now);
      if (added.has(stage.id)) {
        emit({ type: "stage.added", planId, stageId: stage.id, data: { name: stage.name } });
      }
      const change = changed.get(stage.id);
      if (change !== undefined) {
        emit({
          type: "stage.changed",
          planId,
          stageId: stage.id,
          data: { fields: change.fields },
        });
      }
    });
    const edge = db.prepare(
      "INSERT OR IGNORE INTO edges (plan_id, dependency, dependent) VALUES (?, ?, ?)",
    );
    for (const stage of input.plan.stages) {
      for (const dep of stage.dependencies) edge.run(planId, dep, stage.id);
    }
    emit({
      type: "plan.applied",
      planId,
      stageId: null,
      data: {
        file: input.file,
        contentHash: input.contentHash,
        added: diff.added.map((s) => s.id),
        removed: diff.removed.map((s) => s.id),
        changed: diff.changed.map((s) => s.id),
      },
    });
    store.settleReadiness(planId, emit);
    return { planId, created: !samePlan, diff };
  });
  return { ...result, events };
}

/** A stage's spec without its source line: moving a stage in the file is not a change. */
function specHash(stage: Stage): string {
  const { line: _line, ...rest } = stage;
  return createHash("sha256").update(JSON.stringify(rest)).digest("hex").slice(0, 16);
}
