/**
 * The latest conflict prediction of each plan (`predicted_conflicts`): every merge-tree check
 * of its in-flight branches, clean ones included, so that a restarted daemon reuses the answers
 * for heads that did not move and `flux status` (no daemon needed) can report the conflicts.
 * The engine replaces a plan's rows whole each time it predicts.
 */
import type { PredictedConflict, Prediction } from "../core/merge/predict.ts";
import type { Store } from "./store.ts";

interface PredictionRow {
  side_a: string;
  side_b: string;
  b_is_base: number;
  head_a: string;
  head_b: string;
  files: string;
}

export function loadPrediction(store: Store, planId: number): Prediction {
  const rows = store.db
    .prepare(
      `SELECT side_a, side_b, b_is_base, head_a, head_b, files FROM predicted_conflicts
       WHERE plan_id = ? ORDER BY b_is_base DESC, side_a, side_b`,
    )
    .all(planId) as PredictionRow[];
  return {
    checks: rows.map((row): PredictedConflict => ({
      a: { name: row.side_a, base: false, head: row.head_a },
      b: { name: row.side_b, base: row.b_is_base === 1, head: row.head_b },
      files: JSON.parse(row.files) as string[],
    })),
  };
}

export function savePrediction(store: Store, planId: number, prediction: Prediction): void {
  const now = store.now();
  const insert = store.db.prepare(
    `INSERT INTO predicted_conflicts
       (plan_id, side_a, side_b, b_is_base, head_a, head_b, files, checked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  store.db.transaction(() => {
    store.db.prepare("DELETE FROM predicted_conflicts WHERE plan_id = ?").run(planId);
    for (const c of prediction.checks) {
      insert.run(
        planId,
        c.a.name,
        c.b.name,
        c.b.base ? 1 : 0,
        c.a.head,
        c.b.head,
        JSON.stringify(c.files),
        now,
      );
    }
  })();
}
