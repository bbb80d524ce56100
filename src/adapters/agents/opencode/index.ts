/** The opencode adapter: `opencode run --format json` launch and its telemetry. */
import type { AgentAdapter } from "../types.ts";
import { opencodeLaunch } from "./launch.ts";
import { opencodeParser } from "./parser.ts";

export { opencodeLaunch, opencodePermission } from "./launch.ts";
export { classifyOpencodeError, opencodeParser } from "./parser.ts";
export { opencodeRenderer, renderOpencodeLine } from "./render.ts";

export const opencodeAdapter: AgentAdapter = {
  kind: "opencode",
  launch: opencodeLaunch,
  parser: opencodeParser,
};
