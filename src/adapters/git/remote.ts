/**
 * The remote side of `merge: pr`: pushing a stage's commit to its branch on the remote and
 * fetching the remote's base. These run with the environment of the run (an SSH agent, a
 * credential helper's variables), never with a terminal to prompt on.
 */
import { ExitCode, FluxError } from "../../core/errors.ts";
import { assertRef } from "./inspect.ts";
import { GitError, type GitResult } from "./run.ts";
import { gitTryAsync } from "./run-async.ts";

/** git over the network: the run's environment, no terminal to prompt on, five minutes at most. */
function gitEnvAsync(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<GitResult> {
  // A daemon has no terminal: a credential prompt must fail, not hang.
  return gitTryAsync(cwd, args, {
    env: { ...env, GIT_TERMINAL_PROMPT: "0" },
    timeoutMs: 5 * 60_000,
  });
}

/** The remote's fetch address, or undefined when the repository has no such remote. */
export async function remoteUrl(root: string, remote: string): Promise<string | undefined> {
  const result = await gitTryAsync(root, ["remote", "get-url", "--", remote]);
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export function remoteMissing(remote: string): FluxError {
  return new FluxError("REMOTE_MISSING", `this repository has no remote named ${remote}`, {
    hint: `\`merge: pr\` pushes there: add it (\`git remote add ${remote} <url>\`), or name another one in .work/config.toml: [merge] remote = "<name>"`,
    exitCode: ExitCode.environment,
    data: { remote },
  });
}

export interface PushOptions {
  root: string;
  remote: string;
  commit: string;
  /** The branch on the remote, e.g. flux/<id>. */
  branch: string;
  /** The commit the remote branch is expected at when it is to be replaced (force-with-lease). */
  replaces?: string | undefined;
  env: NodeJS.ProcessEnv;
}

/** Pushes exactly `commit` to `branch` on the remote (a no-op when it is there already). */
export async function pushCommit(options: PushOptions): Promise<void> {
  assertRef(options.remote);
  assertRef(options.branch);
  const target = `refs/heads/${options.branch}`;
  const lease =
    options.replaces === undefined ? [] : [`--force-with-lease=${target}:${options.replaces}`];
  const args = ["push", "--porcelain", ...lease, options.remote, `${options.commit}:${target}`];
  const result = await gitEnvAsync(options.root, args, options.env);
  if (result.status !== 0) {
    const error = new GitError(args, result.status, result.stderr || result.stdout);
    throw new FluxError(
      "GIT_FAILED",
      `pushing ${options.branch} to ${options.remote} failed: ${String(error.data.stderr)}`,
      {
        hint: `check that you can push to ${options.remote} (\`git push ${options.remote} ${options.branch}\`); a branch someone else moved must be reconciled by hand`,
        data: error.data,
      },
    );
  }
}

/**
 * Fetches the remote's `branch` into refs/remotes/<remote>/<branch> and returns its commit
 * (undefined when the remote has no such branch).
 */
export async function fetchBranch(options: {
  root: string;
  remote: string;
  branch: string;
  env: NodeJS.ProcessEnv;
}): Promise<string | undefined> {
  assertRef(options.remote);
  assertRef(options.branch);
  const local = `refs/remotes/${options.remote}/${options.branch}`;
  const args = [
    "fetch",
    "--quiet",
    "--no-tags",
    options.remote,
    `+refs/heads/${options.branch}:${local}`,
  ];
  const result = await gitEnvAsync(options.root, args, options.env);
  if (result.status !== 0) {
    if (/couldn't find remote ref/i.test(result.stderr)) return undefined;
    throw new GitError(args, result.status, result.stderr);
  }
  const tip = await gitTryAsync(options.root, [
    "rev-parse",
    "--verify",
    "--quiet",
    `${local}^{commit}`,
  ]);
  return tip.status === 0 ? tip.stdout.trim() : undefined;
}
