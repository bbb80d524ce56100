/** Where things live under `.work/` (DESIGN.md §5; the seeds' layout). */
import fs from "node:fs";
import path from "node:path";

export const WORK_DIR_NAME = ".work";
export { WORKTREES_DIR as WORKTREES_DIR_NAME } from "../core/stage/id.ts";

export interface WorkPaths {
  /** The repository's main worktree root. */
  root: string;
  /** `<root>/.work` */
  work: string;
  db: string;
  config: string;
  executionGraph: string;
  stagesDir: string;
  stageFile: (id: string) => string;
  /** `.work/sessions/`: each session's `<id>.md` projection beside its `<id>/` directory. */
  sessionsDir: string;
  sessionFile: (id: string) => string;
  /** `.work/worktrees/`: `<stage>.toml` for each stage worktree Flux keeps. */
  worktreesDir: string;
  worktreeFile: (stageId: string) => string;
  /** `.work/backups/` (0700): online backups of the database, `flux-<time>-seq<n>.db` (0600). */
  backupsDir: string;
  /** `.work/daemon.lock`: held by the running daemon for its whole life (server/lock.ts). */
  daemonLock: string;
}

export function workPaths(root: string): WorkPaths {
  const work = path.join(root, WORK_DIR_NAME);
  const stagesDir = path.join(work, "stages");
  return {
    root,
    work,
    db: path.join(work, "flux.db"),
    config: path.join(work, "config.toml"),
    executionGraph: path.join(work, "execution-graph.toml"),
    stagesDir,
    stageFile: (id) => path.join(stagesDir, `${id}.md`),
    sessionsDir: path.join(work, "sessions"),
    sessionFile: (id) => path.join(work, "sessions", `${id}.md`),
    worktreesDir: path.join(work, "worktrees"),
    worktreeFile: (stageId) => path.join(work, "worktrees", `${stageId}.toml`),
    backupsDir: path.join(work, "backups"),
    daemonLock: path.join(work, "daemon.lock"),
  };
}

/**
 * Creates `.work/` private to its user (0700): it holds the database, logs, signals and session
 * files. An existing directory is tightened too (Flux before 0.2 made it 0755).
 */
export function ensureWorkDir(paths: WorkPaths): void {
  fs.mkdirSync(paths.work, { recursive: true, mode: 0o700 });
  fs.chmodSync(paths.work, 0o700);
}
