/**
 * Where each agent CLI reads user-level agents and skills (measured for the pinned versions;
 * docs/agents.md): Claude `$CLAUDE_CONFIG_DIR` else `~/.claude`, Codex `$CODEX_HOME` else
 * `~/.codex`, opencode `$XDG_CONFIG_HOME/opencode` else `~/.config/opencode`.
 */
import os from "node:os";
import path from "node:path";
import type { InstallAgent } from "../../core/install/index.ts";

type Env = Readonly<Record<string, string | undefined>>;

export function homeDir(env: Env): string {
  const home = env.HOME;
  return home !== undefined && home !== "" ? home : os.homedir();
}

function set(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

export function defaultTarget(agent: InstallAgent, env: Env): string {
  switch (agent) {
    case "claude":
      return set(env.CLAUDE_CONFIG_DIR)
        ? env.CLAUDE_CONFIG_DIR
        : path.join(homeDir(env), ".claude");
    case "codex":
      return set(env.CODEX_HOME) ? env.CODEX_HOME : path.join(homeDir(env), ".codex");
    case "opencode":
      return path.join(
        set(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(homeDir(env), ".config"),
        "opencode",
      );
  }
}
