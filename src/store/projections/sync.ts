/**
 * Brings the `.work/` projections up to date with the store. Runs inside an immediate
 * transaction, so projection writes from several processes are serialised by SQLite's write
 * lock and always render the newest committed state: a slower writer never overwrites a newer
 * projection. `meta.projected_seq` records the last event the files reflect.
 */
import fs from "node:fs";
import path from "node:path";
import { writeAtomic } from "../fs.ts";
import type { WorkPaths } from "../paths.ts";
import type { Store, StageRecord } from "../store.ts";
import { handoffsSince, planHandoffs } from "../handoffs.ts";
import { listSessions } from "../sessions.ts";
import type { SessionRecord } from "../sessions.ts";
import { handoffFiles, handoffsDir } from "./handoffs.ts";
import { renderExecutionGraph, renderStage } from "./render.ts";
import { hasWorktree, renderSession, renderWorktree } from "./sessions.ts";

/** How many recent events a stage file shows under Progress. */
export const STAGE_PROGRESS_EVENTS = 20;

export function projectedSeq(store: Store): number {
  const row = store.db.prepare("SELECT value FROM meta WHERE key = 'projected_seq'").get() as
    { value: string } | undefined;
  return row === undefined ? 0 : Number(row.value);
}

export interface RenderedProjections {
  /** Absolute path → content. */
  files: Map<string, string>;
  /** The last event the rendering reflects. */
  seq: number;
}

/**
 * Renders every projection from the current store state (for sync and for validate). With
 * `only`, the stages' files and their sessions' are rendered, and no handoff: a handoff never
 * changes, so a sync writes the new ones alone (`handoffsSince`).
 */
export function renderAll(
  store: Store,
  paths: WorkPaths,
  only?: ReadonlySet<string>,
): RenderedProjections {
  const files = new Map<string, string>();
  const seq = store.lastSeq();
  const plan = store.activePlan();
  if (plan === undefined) return { files, seq };
  const stages = store.stages(plan.id);
  files.set(paths.executionGraph, renderExecutionGraph(plan, stages, seq));
  const states = new Map(stages.map((s) => [s.id, s.state]));
  const sessions = listSessions(store, plan.id);
  const latest = new Map<string, SessionRecord>();
  for (const session of sessions) latest.set(session.stageId, session);
  const byId = new Map(stages.map((s) => [s.id, s]));
  for (const stage of stages) {
    if (only !== undefined && !only.has(stage.id)) continue;
    files.set(
      paths.stageFile(stage.id),
      renderStage(
        stage,
        states,
        store.stageEvents(plan.id, stage.id, STAGE_PROGRESS_EVENTS),
        latest.get(stage.id),
      ),
    );
    if (hasWorktree(stage, sessions))
      files.set(paths.worktreeFile(stage.id), renderWorktree(plan, stage, latest.get(stage.id)));
  }
  for (const session of sessions) {
    if (only !== undefined && !only.has(session.stageId)) continue;
    files.set(paths.sessionFile(session.id), renderSession(session, byId.get(session.stageId)));
  }
  if (only === undefined)
    for (const [file, content] of handoffFiles(paths, planHandoffs(store, plan.id)))
      files.set(file, content);
  return { files, seq };
}

/** Stage files to rewrite for the events after `since`: the stages touched and their dependents. */
function touchedStages(
  store: Store,
  since: number,
  stages: readonly StageRecord[],
): Set<string> | undefined {
  const touched = new Set<string>();
  for (const event of store.eventsSince(since)) {
    if (event.type === "plan.applied" || event.type === "plan.deactivated") return undefined;
    if (event.stageId !== null) touched.add(event.stageId);
  }
  for (const s of stages) {
    if (s.spec.dependencies.some((d) => touched.has(d))) touched.add(s.id);
  }
  return touched;
}

/**
 * Rewrites the projections the events since the last sync touched; `full` rewrites all of them
 * (`flux validate --fix`). Returns the event they now reflect and how many files were written.
 */
export function syncProjections(
  store: Store,
  paths: WorkPaths,
  options: { full?: boolean } = {},
): { seq: number; written: number } {
  return store.db
    .transaction(() => {
      const done = projectedSeq(store);
      const seq = store.lastSeq();
      if (done >= seq && options.full !== true) return { seq: done, written: 0 };
      const plan = store.activePlan();
      const stages = plan === undefined ? [] : store.stages(plan.id);
      const only = options.full === true ? undefined : touchedStages(store, done, stages);
      const { files } = renderAll(store, paths, only);
      if (only !== undefined && plan !== undefined)
        for (const [file, content] of handoffFiles(paths, handoffsSince(store, plan.id, done)))
          files.set(file, content);
      const dirs = [paths.stagesDir, paths.sessionsDir, paths.worktreesDir];
      const handoffs = handoffsDir(paths);
      if ([...files.keys()].some((file) => path.dirname(file) === handoffs)) dirs.push(handoffs);
      for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
      for (const [file, content] of files) writeAtomic(file, content);
      const ids = new Set(stages.map((s) => s.id));
      const gone =
        only === undefined
          ? strayStageFiles(paths, ids)
          : [...only].filter((id) => !ids.has(id)).map(paths.stageFile);
      // A worktree file goes with its worktree (merged, dropped) or its stage.
      for (const id of only ?? ids) {
        const file = paths.worktreeFile(id);
        if (!files.has(file)) gone.push(file);
      }
      for (const file of gone) fs.rmSync(file, { force: true });
      store.db
        .prepare(
          "INSERT INTO meta (key, value) VALUES ('projected_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .run(String(seq));
      return { seq, written: files.size };
    })
    .immediate();
}

/** Stage files of stages that no longer exist. */
export function strayStageFiles(paths: WorkPaths, ids: ReadonlySet<string>): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(paths.stagesDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .filter((n) => n.endsWith(".md") && !ids.has(n.slice(0, -3)))
    .map((n) => path.join(paths.stagesDir, n));
}
