/** Runs the built `flux` as a child process, as a user would. */
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FLUX_BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../bin/flux.js",
);

/**
 * Where test runs keep Flux's per-user state: never the real user's. One for the test file
 * (under the worker's own TMPDIR, see leaks.ts), named outside the `flux-*` pattern the leak
 * detector watches: the state of each repository in it is what a fixture removes.
 */
export const TEST_STATE_HOME = path.join(os.tmpdir(), "state-of-flux-tests");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** The environment tests run flux with: no colour, no session, no user config. */
export function testEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    XDG_CONFIG_HOME: "/nonexistent-flux-test",
    // The per-user state directory (run environment, credentials) of test repositories.
    XDG_STATE_HOME: TEST_STATE_HOME,
  };
  delete env.FLUX_SESSION_ID;
  delete env.FLUX_WORK_DIR;
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function flux(args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FLUX_BIN, ...args], {
      cwd: options.cwd,
      env: testEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`flux ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
