/** The Codex adapter: `codex exec --json` launch, its telemetry, and the rollout's context. */
import type { AgentAdapter } from "../types.ts";
import { codexLaunch } from "./launch.ts";
import { codexParser } from "./parser.ts";

export { codexLaunch } from "./launch.ts";
export { codexParser, codexUsage } from "./parser.ts";
export { codexRenderer, renderCodexLine, unwrapShell } from "./render.ts";
export { codexHome, codexRolloutContext, findCodexRollout } from "./rollout.ts";
export type { CodexRolloutContext } from "./rollout.ts";

export const codexAdapter: AgentAdapter = {
  kind: "codex",
  launch: codexLaunch,
  parser: codexParser,
};
