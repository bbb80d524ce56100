/** The Claude Code adapter: headless and interactive launches, stream-json telemetry. */
import type { AgentAdapter, AgentLaunch, LaunchInput } from "../types.ts";
import { claudeInteractiveLaunch } from "./interactive.ts";
import { claudeHeadlessLaunch } from "./launch.ts";
import { claudeParser } from "./parser.ts";

export {
  CLAUDE_PERMISSION_MODES,
  CLAUDE_SETTINGS_FILE,
  claudeHeadlessLaunch,
  claudeEnv,
  claudeSettings,
} from "./launch.ts";
export { claudeParser } from "./parser.ts";
export { renderClaudeLine, toolLine } from "./render.ts";
export {
  CLAUDE_KICKOFF,
  WAITING_MARKER,
  claudeInteractiveLaunch,
  claudeInteractiveSettings,
} from "./interactive.ts";
export { claudeConfigFile, ensureWorkspaceTrust, isTrusted, withWorkspaceTrust } from "./trust.ts";
export type { TrustOutcome, WorkspaceTrust } from "./trust.ts";
export { claudeTranscriptTail, claudeTranscriptTelemetry } from "./transcript.ts";

/** The TUI for interactive stages (Claude's default), `-p` stream-json for headless ones. */
export function claudeLaunch(input: LaunchInput): AgentLaunch {
  return input.stage.mode === "interactive"
    ? claudeInteractiveLaunch(input)
    : claudeHeadlessLaunch(input);
}

export const claudeAdapter: AgentAdapter = {
  kind: "claude",
  launch: claudeLaunch,
  parser: claudeParser,
};
