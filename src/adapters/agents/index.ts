/**
 * Agent CLI adapters: Claude Code, Codex and opencode. Each builds its exact launch from a
 * resolved stage and parses its machine output into session telemetry (types.ts is the
 * contract). `command` agents are the engine's own business: they are the user's shell.
 */
import fs from "node:fs";
import path from "node:path";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { claudeAdapter } from "./claude/index.ts";
import { codexAdapter } from "./codex/index.ts";
import { opencodeAdapter } from "./opencode/index.ts";
import type { AgentAdapter, AgentAdapterKind } from "./types.ts";

export type * from "./types.ts";
export * from "./pricing.ts";
export * from "./claude/index.ts";
export * from "./codex/index.ts";
export * from "./opencode/index.ts";
export { classifyApiError, PROTOCOL_COMMANDS } from "./shared.ts";

const ADAPTERS: Record<AgentAdapterKind, AgentAdapter> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  opencode: opencodeAdapter,
};

export function isAgentAdapterKind(kind: string): kind is AgentAdapterKind {
  return Object.hasOwn(ADAPTERS, kind);
}

export function agentAdapter(kind: AgentAdapterKind): AgentAdapter {
  return ADAPTERS[kind];
}

/** The npm package of each CLI, for the install hint. */
export const AGENT_PACKAGES: Record<AgentAdapterKind, string> = {
  claude: "@anthropic-ai/claude-code",
  codex: "@openai/codex",
  opencode: "opencode-ai",
};

export interface ResolveAgentOptions {
  /** The environment whose PATH is searched first (the session's). */
  env: Record<string, string | undefined>;
  /** Flux's own `node_modules/.bin`, searched after PATH: the CLIs may ship as its dependencies. */
  projectBin?: string | undefined;
}

/**
 * The absolute path of an agent CLI (`launch().argv[0]`, a bare name): PATH first, then Flux's
 * own node_modules/.bin.
 */
export function resolveAgentBinary(name: string, options: ResolveAgentOptions): string {
  // Empty PATH entries mean the current directory: never where an agent binary should come from.
  const dirs = (options.env.PATH ?? "").split(path.delimiter).filter((d) => path.isAbsolute(d));
  if (options.projectBin !== undefined) dirs.push(options.projectBin);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new FluxError("AGENT_NOT_FOUND", `the ${name} CLI is not installed (not on PATH)`, {
    hint: isAgentAdapterKind(name)
      ? `install it with \`npm install -g ${AGENT_PACKAGES[name]}\`, or pick another agent for the stage`
      : `install ${name} or put it on PATH`,
    exitCode: ExitCode.environment,
    data: { agent: name, searched: dirs },
  });
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES" || code === "ENOTDIR" || code === "ELOOP")
      return false;
    throw error;
  }
}
