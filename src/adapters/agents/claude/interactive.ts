/**
 * Claude Code's interactive launch: its own TUI in the session's pane (DESIGN §3). The signal
 * is not typed into the TUI nor passed in argv: a SessionStart hook (source `startup` only)
 * prints it as `additionalContext`, which Claude puts into the first request; a short fixed
 * prompt in argv starts that first request (measured on 2.1.197 in tmux: the TUI answers at
 * once, with the hook's text in its context).
 *
 * Not here yet: the Stop/PreCompact/PostToolUse hooks that talk to the daemon, and the
 * workspace trust the engine must record before the launch (withWorkspaceTrust).
 */
import path from "node:path";
import { shellQuote } from "../../../core/shell.ts";
import { isObject } from "../shared.ts";
import type { Json } from "../shared.ts";
import type { AgentLaunch, LaunchInput } from "../types.ts";
import {
  CLAUDE_PERMISSION_MODES,
  CLAUDE_SETTINGS_FILE,
  claudeEnv,
  claudeSettings,
} from "./launch.ts";

/** The TUI's first prompt. The assignment itself arrives through the SessionStart hook. */
export const CLAUDE_KICKOFF =
  "Start on the assignment Flux gave you in this session's context, and carry it through.";

/**
 * Reads the signal when the session starts and prints the hook answer. Reading at start (not
 * at launch) keeps launch pure and lets a restarted session pick up a rewritten signal.
 * `node` is on every session's PATH: Flux puts its own runtime's directory there.
 */
const HOOK_SCRIPT =
  'const fs=require("fs");' +
  "process.stdout.write(JSON.stringify({hookSpecificOutput:{" +
  'hookEventName:"SessionStart",additionalContext:fs.readFileSync(process.argv[1],"utf8")}}))';

export function sessionStartHookCommand(promptFile: string): string {
  return `node -e ${shellQuote(HOOK_SCRIPT)} ${shellQuote(promptFile)}`;
}

export function claudeInteractiveSettings(input: LaunchInput): Json {
  const settings: Json = {
    ...claudeSettings(input),
    hooks: {
      SessionStart: [
        {
          matcher: "startup",
          hooks: [{ type: "command", command: sessionStartHookCommand(input.promptFile) }],
        },
      ],
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
    files: [{ path: settings, content, mode: 0o600 }],
    notices,
    output: "text",
    tty: true,
  };
}

/**
 * The user's Claude config (`~/.claude.json`, or under CLAUDE_CONFIG_DIR) with `dir` trusted:
 * one entry for the parent of all worktrees covers every stage (measured), so the TUI opens
 * without its workspace trust dialog. Everything else in the config is kept.
 */
export function withWorkspaceTrust(config: Json, dir: string): Json {
  const projects = isObject(config.projects) ? config.projects : {};
  const entry = isObject(projects[dir]) ? projects[dir] : {};
  return {
    ...config,
    projects: { ...projects, [dir]: { ...entry, hasTrustDialogAccepted: true } },
  };
}
