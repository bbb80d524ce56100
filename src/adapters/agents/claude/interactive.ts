/**
 * Claude Code's interactive launch: its own TUI in the session's pane (DESIGN §3). Flux talks
 * to it through hooks in the session's settings file, each a `flux hook <event>` call:
 *
 * - SessionStart (`startup`): the signal, as `additionalContext` (never typed into the TUI nor
 *   put in argv); a short fixed prompt in argv starts the first request (measured on 2.1.197).
 * - Stop: while the stage is running, the daemon sends the agent back to work a bounded
 *   number of times, then marks the session waiting for input. StopFailure (an API error
 *   ended the turn): Flux ends the session and restarts the stage, as for a headless crash.
 * - PermissionRequest and Notification: the session waits for input (a human answers in
 *   `flux attach`). PostToolUse and UserPromptSubmit clear that — only when it is set: the
 *   hook is a shell test of a marker file, so ordinary tool calls start no process.
 *
 * The workspace trust the TUI would ask for is recorded by the engine before the launch
 * (`trust`, see trust.ts).
 */
import path from "node:path";
import { shellQuote } from "../../../core/shell.ts";
import type { Json } from "../shared.ts";
import { CONTEXT_MARKER } from "./context-gate.ts";
import type { AgentLaunch, LaunchInput } from "../types.ts";
import {
  CLAUDE_PERMISSION_MODES,
  CLAUDE_SETTINGS_FILE,
  HOOK_TIMEOUT_S,
  claudeEnv,
  claudeEnvFile,
  claudeSettings,
  contextGateFile,
  contextHooks,
  fluxCommand,
} from "./launch.ts";
import { claudeConfigFile } from "./trust.ts";

/** The TUI's first prompt. The assignment itself arrives through the SessionStart hook. */
export const CLAUDE_KICKOFF =
  "Start on the assignment Flux gave you in this session's context, and carry it through.";

/** The marker file a waiting session has; the "active" hooks only call flux when it exists. */
export const WAITING_MARKER = "waiting";

function hook(command: string): Json {
  return { type: "command", command, timeout: HOOK_TIMEOUT_S };
}

export function claudeInteractiveSettings(input: LaunchInput): Json {
  const flux = fluxCommand(input.env);
  const call = (event: string, ...args: string[]) =>
    hook([flux, "hook", event, ...args.map(shellQuote)].join(" "));
  const marker = shellQuote(path.join(input.sessionDir, WAITING_MARKER));
  const active = hook(`if [ -e ${marker} ]; then ${flux} hook active; fi`);
  // A prompt typed into the TUI after Flux asked for a handoff (e.g. a refused /compact) gets
  // the instruction as context; only once the daemon left its context marker.
  const watched = shellQuote(path.join(input.sessionDir, CONTEXT_MARKER));
  const prompt = hook(`if [ -e ${watched} ]; then ${flux} hook context prompt; fi`);
  const context = contextHooks(input);
  const settings: Json = {
    ...claudeSettings(input),
    hooks: {
      SessionStart: [
        { matcher: "startup", hooks: [call("session-start", input.promptFile)] },
        ...context.SessionStart,
      ],
      Stop: [{ hooks: [call("stop")] }],
      StopFailure: [{ hooks: [call("stop-failure")] }],
      PermissionRequest: [{ matcher: "*", hooks: [call("permission-request")] }],
      Notification: [{ hooks: [call("notification")] }],
      PreToolUse: context.PreToolUse,
      PostToolUse: [{ matcher: "*", hooks: [active] }, ...context.PostToolUse],
      PreCompact: context.PreCompact,
      UserPromptSubmit: [{ hooks: [active, prompt] }],
    },
  };
  // Otherwise the TUI opens a bypass warning dialog that nobody is there to answer.
  if (input.stage.permissionMode === "bypass") settings.skipDangerousModePermissionPrompt = true;
  return settings;
}

export function claudeInteractiveLaunch(input: LaunchInput): AgentLaunch {
  const { stage } = input;
  const settings = path.join(input.sessionDir, CLAUDE_SETTINGS_FILE);
  const argv = ["claude", "--settings", settings];
  if (stage.model !== undefined) argv.push("--model", stage.model);
  argv.push("--permission-mode", CLAUDE_PERMISSION_MODES[stage.permissionMode]);
  argv.push(CLAUDE_KICKOFF);
  const { env, notices } = claudeEnv(input);
  if (stage.maxTurns !== undefined) {
    notices.push(`stage ${stage.id}: max_turns only limits headless Claude sessions; ignored`);
  }
  const content = `${JSON.stringify(claudeInteractiveSettings(input), null, 2)}\n`;
  return {
    argv,
    env,
    stdin: "inherit",
    files: [{ path: settings, content, mode: 0o600 }, contextGateFile(input), claudeEnvFile(input)],
    notices,
    output: "text",
    tty: true,
    trust: {
      configFile: claudeConfigFile({ ...input.env, ...env }),
      dir: path.dirname(input.worktree),
    },
  };
}
