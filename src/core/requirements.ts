/**
 * What Flux needs from the machine, defined once: the git adapter's errors, the tmux backend's
 * check and `flux doctor` all read these (two copies once disagreed on git's minimum).
 */

/** `git merge-tree --write-tree` (merges without touching a checkout) arrived in git 2.38. */
export const MIN_GIT_VERSION = "2.38";

/** `new-session -e` (per-session variables) arrived in tmux 3.2. */
export const MIN_TMUX_VERSION = "3.2";
