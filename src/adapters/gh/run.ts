/**
 * Runs the GitHub CLI with an argument array (never a shell string), in the repository, with the
 * environment of the run (`GH_TOKEN`, `GH_HOST`, PATH). A missing `gh` is not an error here: the
 * callers fall back to git alone, so it is reported as `undefined`.
 */
import { execFile } from "node:child_process";
import { FluxError } from "../../core/errors.ts";

export interface GhResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface GhOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Default 60 s: gh talks to the network. */
  timeoutMs?: number | undefined;
}

/** Resolves with gh's output whatever its exit code, or undefined when gh is not on PATH. */
export function ghTry(args: readonly string[], options: GhOptions): Promise<GhResult | undefined> {
  return new Promise((resolve, reject) => {
    execFile(
      "gh",
      args,
      {
        cwd: options.cwd,
        env: { ...options.env, GH_PROMPT_DISABLED: "1", NO_COLOR: "1", GH_NO_UPDATE_NOTIFIER: "1" },
        encoding: "utf8",
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ status: 0, stdout, stderr });
        const e = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
        if (e.code === "ENOENT") return resolve(undefined);
        if (typeof e.code === "number") return resolve({ status: e.code, stdout, stderr });
        // Killed by the timeout or a signal: not gh's verdict on anything.
        reject(
          new FluxError("GH_FAILED", `gh ${args.join(" ")} did not finish: ${e.message}`, {
            hint: "gh talks to GitHub: check the network, then `flux merge <id>` looks again",
            data: { args: [...args], stderr: stderr.slice(-2000) },
          }),
        );
      },
    );
  });
}
