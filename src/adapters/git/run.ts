/** Runs git with an argument array (never a shell string) and turns failures into typed errors. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { ExitCode, FluxError, gitCwdMissing, gitMissing } from "../../core/errors.ts";

export class GitError extends FluxError {
  constructor(args: readonly string[], status: number | null, stderr: string) {
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    super("GIT_FAILED", `git ${args.join(" ")} failed (exit ${status ?? "signal"}): ${tail}`, {
      hint: "run the command yourself in the repository to see the whole message",
      exitCode: ExitCode.environment,
      data: { args: [...args], status, stderr: tail },
    });
  }
}

export interface GitResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs git; returns its output whatever the exit code (callers decide what a failure means). */
export function gitTry(cwd: string, args: readonly string[]): GitResult {
  try {
    const stdout = execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      // Large repositories print more than the 1 MiB default (status, diffs).
      maxBuffer: 256 * 1024 * 1024,
    });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & {
      status?: number | null;
      stdout?: string;
      stderr?: string;
    };
    // Node reports a missing working directory as `spawn git ENOENT` too.
    if (e.code === "ENOENT") throw fs.existsSync(cwd) ? gitMissing() : gitCwdMissing(cwd, args);
    return { status: e.status ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(error) };
  }
}

export function git(cwd: string, args: readonly string[]): string {
  const result = gitTry(cwd, args);
  if (result.status !== 0) throw new GitError(args, result.status, result.stderr);
  return result.stdout;
}
