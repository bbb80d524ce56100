/**
 * The fake model: a scripted stand-in for the Anthropic and OpenAI APIs that the real agent
 * CLIs (Claude Code, Codex, opencode) talk to on 127.0.0.1. Tests and `flux demo` run the real
 * CLIs against it; only the model is fake. The script format is documented in script.ts, the
 * mapping of script actions to each CLI's tools in reply.ts.
 */
export { startModelServer, type ModelServer, type ModelServerOptions } from "./server.ts";
export {
  parseScript,
  resolveTurn,
  turnKind,
  ModelScriptError,
  DEFAULT_AFTER_END,
  type Script,
  type ScriptInput,
  type Turn,
  type TurnKind,
  type Usage,
  type Conversation,
  type ErrorAction,
  type LimitAction,
} from "./script.ts";
export { loadScript } from "./load-script.ts";
export type { LoggedRequest, ResponseKind, Api } from "./request-log.ts";
