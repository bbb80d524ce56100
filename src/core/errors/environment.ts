/**
 * Catalogue: what the machine or the repository lacks (git, tmux, a base branch, a directory).
 * One mapping each, with the minimum versions from ../requirements.ts.
 */
import { MIN_GIT_VERSION, MIN_TMUX_VERSION } from "../requirements.ts";
import { FluxError } from "./flux-error.ts";

export function gitMissing(): FluxError {
  return new FluxError("GIT_MISSING", "git is not installed or not on PATH", {
    hint: `install git ${MIN_GIT_VERSION} or newer (e.g. \`apt-get install git\`); \`flux doctor\` checks every tool`,
    data: { minimum: MIN_GIT_VERSION },
  });
}

/** `found` is what git reported ("2.34.1"). */
export function gitTooOld(found: string): FluxError {
  return new FluxError(
    "GIT_TOO_OLD",
    `git ${found} is too old: Flux needs ${MIN_GIT_VERSION} or newer (for \`git merge-tree --write-tree\`)`,
    {
      hint: `upgrade git (e.g. \`apt-get install git\`); \`flux doctor\` checks every tool`,
      data: { version: found, minimum: MIN_GIT_VERSION },
    },
  );
}

/** Node reports a missing working directory as a missing program: this tells them apart. */
export function gitCwdMissing(cwd: string, args: readonly string[] = []): FluxError {
  return new FluxError(
    "GIT_CWD_MISSING",
    `cannot run git in ${cwd}: the directory does not exist`,
    {
      hint: "a worktree may have been removed by hand; `flux worktree list` shows what is left",
      data: { cwd, args: [...args] },
    },
  );
}

export function notAGitRepo(cwd: string): FluxError {
  return new FluxError("NOT_A_GIT_REPO", `${cwd} is not inside a git repository`, {
    hint: "run `git init` (and make a first commit), or cd into your project",
    data: { cwd },
  });
}

/** A repository whose branch has no commit yet: stages branch from a commit, so there is none. */
export function noCommits(root: string): FluxError {
  return new FluxError(
    "NO_COMMITS",
    `the repository ${root} has no commit yet: stages branch from the base branch's last commit`,
    {
      hint: "make a first commit (`git commit --allow-empty -m init`), then run the command again",
      data: { root },
    },
  );
}

export function baseBranchMissing(baseBranch: string): FluxError {
  return new FluxError("BASE_BRANCH_MISSING", `the base branch ${baseBranch} does not exist`, {
    hint: "create it, or set the plan's base branch to an existing one",
    data: { baseBranch },
  });
}

/** `bin` is the tmux executable Flux tried. */
export function tmuxMissing(bin = "tmux"): FluxError {
  return new FluxError("TMUX_MISSING", `tmux is not installed or not on PATH (${bin})`, {
    hint: `install tmux ${MIN_TMUX_VERSION} or newer (e.g. \`apt-get install tmux\`, \`brew install tmux\`), or set the session backend to "process"`,
    data: { minimum: MIN_TMUX_VERSION },
  });
}

/** `found` is what tmux reported ("3.1c"). */
export function tmuxTooOld(found: string): FluxError {
  return new FluxError(
    "TMUX_TOO_OLD",
    `tmux ${found} is too old: Flux needs ${MIN_TMUX_VERSION} or newer`,
    {
      hint: `upgrade tmux, or set the session backend to "process"`,
      data: { version: found, minimum: MIN_TMUX_VERSION },
    },
  );
}
