/**
 * Workspace trust for Claude's TUI (reference §1.7): on an untrusted directory it opens a
 * "Quick safety check" dialog that nobody is there to answer. One entry for the parent of all
 * worktrees covers every stage (measured), so Flux records that one entry in the user's Claude
 * config (`$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json`), atomically, keeping
 * everything else. docs/agents.md says so.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { isObject } from "../shared.ts";
import type { Json } from "../shared.ts";

export interface WorkspaceTrust {
  /** The Claude config that holds the trust entries. */
  configFile: string;
  /** The directory to trust: the parent of every worktree. */
  dir: string;
}

/** The user's Claude config file, as Claude itself finds it. */
export function claudeConfigFile(env: Record<string, string | undefined>): string {
  const dir = env.CLAUDE_CONFIG_DIR;
  if (dir !== undefined && dir !== "") return path.join(dir, ".claude.json");
  return path.join(env.HOME ?? os.homedir(), ".claude.json");
}

/** `config` with `dir` trusted; everything else kept. */
export function withWorkspaceTrust(config: Json, dir: string): Json {
  const projects = isObject(config.projects) ? config.projects : {};
  const entry = isObject(projects[dir]) ? projects[dir] : {};
  return {
    ...config,
    projects: { ...projects, [dir]: { ...entry, hasTrustDialogAccepted: true } },
  };
}

/** True when `dir` or one of its parents is trusted already. */
export function isTrusted(config: Json, dir: string): boolean {
  const projects = isObject(config.projects) ? config.projects : {};
  for (let d = dir; ; d = path.dirname(d)) {
    const entry = projects[d];
    if (isObject(entry) && entry.hasTrustDialogAccepted === true) return true;
    if (path.dirname(d) === d) return false;
  }
}

export type TrustOutcome =
  { outcome: "trusted" } | { outcome: "recorded" } | { outcome: "failed"; reason: string };

/**
 * Records the trust unless it is there already. Written to a temporary file in the same
 * directory and renamed over the config (same mode), so Claude never reads half a file.
 */
export function ensureWorkspaceTrust(trust: WorkspaceTrust): TrustOutcome {
  let text: string | undefined;
  let mode = 0o600;
  try {
    text = fs.readFileSync(trust.configFile, "utf8");
    mode = fs.statSync(trust.configFile).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      return { outcome: "failed", reason: (error as Error).message };
  }
  let config: Json = {};
  if (text !== undefined && text.trim() !== "") {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isObject(parsed)) return { outcome: "failed", reason: "it is not a JSON object" };
      config = parsed;
    } catch (error) {
      return { outcome: "failed", reason: `it is not valid JSON (${(error as Error).message})` };
    }
  }
  if (isTrusted(config, trust.dir)) return { outcome: "trusted" };
  const temp = `${trust.configFile}.flux-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    fs.mkdirSync(path.dirname(trust.configFile), { recursive: true });
    fs.writeFileSync(temp, `${JSON.stringify(withWorkspaceTrust(config, trust.dir), null, 2)}\n`, {
      mode,
    });
    fs.renameSync(temp, trust.configFile);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    return { outcome: "failed", reason: (error as Error).message };
  }
  return { outcome: "recorded" };
}
