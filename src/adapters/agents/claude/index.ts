/** The Claude Code adapter: headless launch and stream-json telemetry. */
import type { AgentAdapter } from "../types.ts";
import { claudeLaunch } from "./launch.ts";
import { claudeParser } from "./parser.ts";

export {
  CLAUDE_PERMISSION_MODES,
  CLAUDE_SETTINGS_FILE,
  claudeLaunch,
  claudeSettings,
} from "./launch.ts";
export { claudeParser } from "./parser.ts";
export { renderClaudeLine, toolLine } from "./render.ts";

export const claudeAdapter: AgentAdapter = {
  kind: "claude",
  launch: claudeLaunch,
  parser: claudeParser,
};
