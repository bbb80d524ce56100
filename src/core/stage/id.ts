/**
 * The stage id rule, defined once: ids are user-given and become branch names (`flux/<id>`),
 * worktree paths and tmux session names (`flux-<id>`), so they stay lowercase, short and free of
 * anything a shell, git or tmux would read specially.
 */

/** Branch, path and tmux name stay well inside every limit at this length. */
export const STAGE_ID_MAX_LENGTH = 63;

/** The pattern's body without anchors, for patterns built on it (session names). */
export const STAGE_ID_SOURCE = `[a-z0-9][a-z0-9-]{0,${STAGE_ID_MAX_LENGTH - 1}}`;

export const STAGE_ID_PATTERN = new RegExp(`^${STAGE_ID_SOURCE}$`);

/** The rule in words, for messages and hints. */
export const STAGE_ID_RULE = `lowercase letters, digits and dashes, starting with a letter or digit, at most ${STAGE_ID_MAX_LENGTH} characters`;

export function isStageId(value: string): boolean {
  return STAGE_ID_PATTERN.test(value);
}

/** Where stage worktrees live, relative to the repository root. */
export const WORKTREES_DIR = ".worktrees";

/** The branch a stage works on (one rule for git, projections and messages). */
export function stageBranchName(stageId: string): string {
  return `flux/${stageId}`;
}

/** A stage's worktree, relative to the repository root. */
export function stageWorktreeDir(stageId: string): string {
  return `${WORKTREES_DIR}/${stageId}`;
}
