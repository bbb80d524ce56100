/** Where things live under `.work/` (DESIGN.md §5; the seeds' layout). */
import path from "node:path";

export const WORK_DIR_NAME = ".work";
export const WORKTREES_DIR_NAME = ".worktrees";

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
  };
}
