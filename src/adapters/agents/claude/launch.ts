/**
 * Claude Code's headless launch (DESIGN §3): `claude -p --output-format stream-json --verbose`
 * with the signal on stdin and Flux's settings in a file under the session directory, never in
 * the worktree. Facts behind each choice were measured on Claude Code 2.1.197 (reference §1, §5).
 * Interactive stages get the TUI (interactive.ts); index.ts picks one by the stage's mode.
 */
import path from "node:path";
import type { PermissionMode } from "../../../core/plan/schema.ts";
import { shellQuote } from "../../../core/shell.ts";
import { contextGate } from "./context-gate.ts";
import { PROTOCOL_COMMANDS } from "../shared.ts";
import type { AgentLaunch, LaunchInput } from "../types.ts";

export const CLAUDE_PERMISSION_MODES: Record<PermissionMode, string> = {
  bypass: "bypassPermissions",
  edits: "acceptEdits",
  ask: "default",
};

export const CLAUDE_SETTINGS_FILE = "claude-settings.json";

/**
 * What Flux needs from Claude's settings. The allow rules let a session commit and call flux
 * in every mode: with `-p` nothing can answer a prompt, and a denied `flux stage complete`
 * would leave the stage hanging (measured: `Bash(flux:*)` is honoured under `default`). The
 * work directory is added so the agent may read the handoffs and notes its signal points to.
 * Hooks join this file when the daemon serves them.
 */
export function claudeSettings(input: LaunchInput): Record<string, unknown> {
  const workDir = input.env.FLUX_WORK_DIR;
  return {
    permissions: {
      allow: PROTOCOL_COMMANDS.map((command) => `Bash(${command}:*)`),
      ...(workDir === undefined ? {} : { additionalDirectories: [workDir] }),
    },
  };
}

/** Seconds Claude gives a Flux hook; the daemon answers at once. */
export const HOOK_TIMEOUT_S = 30;

/** `flux` as hooks call it: the session's own shim (PATH may be reset by the user's shell). */
export function fluxCommand(env: Record<string, string>): string {
  const work = env.FLUX_WORK_DIR;
  return work === undefined ? "flux" : shellQuote(path.join(work, "bin", "flux"));
}

/**
 * The hooks that watch a Claude session's context, headless or interactive (DESIGN.md §4): the
 * context gate around each tool call, PreCompact (the first compaction is refused with a
 * demand for a handoff), and SessionStart after a compaction or resume (the assignment again).
 */
export function contextHooks(input: LaunchInput): {
  PreToolUse: unknown[];
  PostToolUse: unknown[];
  PreCompact: unknown[];
  SessionStart: unknown[];
} {
  const flux = fluxCommand(input.env);
  const call = (...args: string[]) => ({
    type: "command",
    command: [flux, "hook", ...args.map(shellQuote)].join(" "),
    timeout: HOOK_TIMEOUT_S,
  });
  const gate = contextGate(input, flux, HOOK_TIMEOUT_S);
  return {
    PreToolUse: gate.hooks.PreToolUse ?? [],
    PostToolUse: gate.hooks.PostToolUse ?? [],
    PreCompact: [{ hooks: [call("pre-compact")] }],
    SessionStart: [{ matcher: "compact|resume", hooks: [call("session-start", input.promptFile)] }],
  };
}

/** The context gate's script, written into the session's directory. */
export function contextGateFile(input: LaunchInput): {
  path: string;
  content: string;
  mode: number;
} {
  return contextGate(input, fluxCommand(input.env), HOOK_TIMEOUT_S).file;
}

export function claudeHeadlessLaunch(input: LaunchInput): AgentLaunch {
  const { stage } = input;
  const settings = path.join(input.sessionDir, CLAUDE_SETTINGS_FILE);
  const argv = ["claude", "-p", "--output-format", "stream-json", "--verbose"];
  argv.push("--settings", settings);
  if (stage.model !== undefined) argv.push("--model", stage.model);
  argv.push("--permission-mode", CLAUDE_PERMISSION_MODES[stage.permissionMode]);
  if (stage.maxTurns !== undefined) argv.push("--max-turns", String(stage.maxTurns));
  const { env, notices } = claudeEnv(input);
  if (stage.permissionMode !== "bypass") {
    notices.push(
      `stage ${stage.id}: Claude runs headless with permission_mode ${stage.permissionMode}; nothing can answer its permission prompts, so tools needing approval are denied (flux and git add/commit are allowed)`,
    );
  }
  const content = `${JSON.stringify({ ...claudeSettings(input), hooks: contextHooks(input) }, null, 2)}\n`;
  return {
    argv,
    env,
    stdin: { file: input.promptFile },
    files: [{ path: settings, content, mode: 0o600 }, contextGateFile(input), claudeEnvFile(input)],
    notices,
    output: "claude-stream-json",
  };
}

export const CLAUDE_ENV_FILE = "claude-env.sh";

/**
 * The script Claude sources before each of its Bash commands (`CLAUDE_ENV_FILE`): it puts the
 * session's `flux` back on PATH. Claude runs a command inside a snapshot of the user's shell;
 * when taking that snapshot runs past its 10 s limit (a loaded machine), it falls back to a login
 * shell, whose /etc/profile resets PATH on Debian — measured: `flux: command not found`, the
 * agent's handoff lost. A user's own CLAUDE_ENV_FILE is sourced first.
 */
export function claudeEnvFile(input: LaunchInput): { path: string; content: string; mode: number } {
  const lines = ["# Written by Flux: sourced by Claude Code before each Bash command."];
  const own = input.env.CLAUDE_ENV_FILE;
  if (own !== undefined && own !== "")
    lines.push(`[ -r ${shellQuote(own)} ] && . ${shellQuote(own)}`);
  const work = input.env.FLUX_WORK_DIR;
  if (work !== undefined) lines.push(`export PATH=${shellQuote(path.join(work, "bin"))}:"$PATH"`);
  return {
    path: path.join(input.sessionDir, CLAUDE_ENV_FILE),
    content: `${lines.join("\n")}\n`,
    mode: 0o600,
  };
}

/** What every Claude session adds to its environment, headless or interactive. */
export function claudeEnv(input: LaunchInput): { env: Record<string, string>; notices: string[] } {
  const env: Record<string, string> = {
    CLAUDE_ENV_FILE: path.join(input.sessionDir, CLAUDE_ENV_FILE),
  };
  const notices: string[] = [];
  // Claude retries a persistent 429/529 ten times over about three minutes; Flux has its own
  // retry and fallback policy. A value the user set in the plan or their environment wins.
  if (input.env.CLAUDE_CODE_MAX_RETRIES === undefined) {
    env.CLAUDE_CODE_MAX_RETRIES = String(input.apiMaxRetries);
  }
  // Sessions of one run share the installed binary: none of them should replace it midway.
  if (input.env.DISABLE_AUTOUPDATER === undefined) env.DISABLE_AUTOUPDATER = "1";
  if (input.isRoot && input.stage.permissionMode === "bypass") {
    // As root, both bypassPermissions and --dangerously-skip-permissions exit 1 without it.
    env.IS_SANDBOX = "1";
    notices.push(
      "running as root with permission_mode bypass: Flux sets IS_SANDBOX=1 for Claude Code, which otherwise refuses to bypass permissions as root",
    );
  }
  return { env, notices };
}
