/**
 * Runs the tmux client with argument arrays and turns its failures into typed errors.
 *
 * tmux reads its own command line in two ways worth knowing (verified on 3.3a):
 * - an argument ending in ";" ends a command (`a ; b` chains), so data ending in ";" must be
 *   sent as "…\;" — {@link escapeArg};
 * - some arguments are formats (`-c`, `-s`): "#{…}" expands and "##" is a "#" — {@link escapeFormat}.
 */
import { execFile } from "node:child_process";
import { ExitCode, FluxError, tmuxMissing } from "../../core/errors.ts";
import { MIN_TMUX_VERSION } from "../../core/requirements.ts";
import { atLeast, parseVersion, probeTool } from "../system/tools.ts";

/** A tmux call gets this long before it counts as hung, in ms: tmux answers in milliseconds. */
const TIMEOUT_MS = 15_000;

export interface TmuxResult {
  status: number;
  stdout: string;
  stderr: string;
}

export class TmuxError extends FluxError {
  constructor(args: readonly string[], status: number | null, stderr: string) {
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    super("TMUX_FAILED", `tmux ${args.join(" ")} failed (exit ${status ?? "signal"}): ${tail}`, {
      hint: "run the command yourself to see the whole message",
      exitCode: ExitCode.environment,
      data: { command: ["tmux", ...args], status, stderr: tail },
    });
  }
}

/** Runs tmux; resolves with its output whatever the exit code (callers decide what a failure means). */
export function execTmux(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<TmuxResult> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { env, encoding: "utf8", timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ status: 0, stdout, stderr });
        if (error.code === "ENOENT") return reject(tmuxMissing(bin));
        if (typeof error.code === "number") return resolve({ status: error.code, stdout, stderr });
        // Killed (the timeout) or failed to run: nothing a caller can interpret.
        reject(new TmuxError(args, null, stderr || error.message));
      },
    );
  });
}

/**
 * The client found no server: a socket that does not exist, a stale one, or a server on its
 * way out. For list/has/kill this means "no sessions", not a failure.
 */
export function isNoServer(stderr: string): boolean {
  return (
    /no server running on/.test(stderr) ||
    /error connecting to .*\((No such file or directory|Connection refused)\)/.test(stderr) ||
    /server exited unexpectedly/.test(stderr)
  );
}

/** tmux could not resolve a -t target: the session (or its pane) is gone. */
export function isNotFound(stderr: string): boolean {
  // A server with no session at all (exit-empty off) answers "no current target" instead.
  return /can't find (session|window|pane)|no current target/.test(stderr);
}

/** An argument ending in ";" would end the tmux command: "x;" is sent as "x\;" (tmux turns it back). */
export function escapeArg(arg: string): string {
  return arg.endsWith(";") ? `${arg.slice(0, -1)}\\;` : arg;
}

/** For arguments tmux expands as formats: "#" is written "##". */
export function escapeFormat(text: string): string {
  return text.replaceAll("#", "##");
}

/** Joins tmux commands into one client call: `a … ; b …`, every argument escaped. */
export function chain(commands: readonly (readonly string[])[]): string[] {
  return commands.flatMap((command, i) => [...(i > 0 ? [";"] : []), ...command.map(escapeArg)]);
}

/** The version tmux reports ("3.3a"), or undefined when it is not installed. */
export function tmuxVersion(bin = "tmux"): string | undefined {
  const line = probeTool(bin, ["-V"]).version;
  return line?.replace(/^tmux\s+/, "");
}

/** Whether a reported version has what Flux uses; "next-3.4" and "master" builds count as new. */
export function isTmuxSupported(version: string): boolean {
  const parts = parseVersion(version);
  if (parts === undefined) return /master|next/.test(version);
  const minimum = parseVersion(MIN_TMUX_VERSION) ?? [];
  return atLeast(parts, minimum);
}

/**
 * The visible screen of the pane this process runs in ($TMUX_PANE on the server $TMUX names),
 * or undefined outside tmux or when tmux cannot tell: a runner keeps its TUI's last words.
 */
export async function captureOwnPane(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const pane = env.TMUX_PANE;
  if (env.TMUX === undefined || pane === undefined || !/^%\d+$/.test(pane)) return undefined;
  try {
    const result = await execTmux("tmux", ["capture-pane", "-p", "-J", "-t", pane], env);
    return result.status === 0 ? result.stdout.replace(/\s+$/, "") : undefined;
  } catch {
    return undefined;
  }
}
