/**
 * Finds the repository's Flux state from wherever a command runs: the main worktree, a
 * subdirectory, or a stage's worktree (whose `.work` is a symlink to the main one).
 */
import fs from "node:fs";
import path from "node:path";
import type { Config } from "../core/config/schema.ts";
import type { ResolvedConfig } from "../core/config/resolve.ts";
import { noActivePlan, notInitialised, refusedInSession } from "../core/errors.ts";
import { runnerAncestor } from "../adapters/process/ancestry.ts";
import { loadConfig } from "../store/config.ts";
import type { WorkPaths } from "../store/paths.ts";
import { WORK_DIR_NAME, workPaths } from "../store/paths.ts";
import { Store } from "../store/store.ts";

export interface Env {
  readonly [key: string]: string | undefined;
}

/** The repository root holding `.work/flux.db`, found without spawning git (status is hot). */
export function findWorkRoot(cwd: string, env: Env): string | undefined {
  if (env.FLUX_WORK_DIR !== undefined && env.FLUX_WORK_DIR !== "") {
    const work = fs.realpathSync(env.FLUX_WORK_DIR);
    return path.dirname(work);
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, WORK_DIR_NAME, "flux.db");
    if (fs.existsSync(candidate)) {
      // Inside a stage worktree `.work` is a symlink: the real one names the main root.
      return path.dirname(fs.realpathSync(path.join(dir, WORK_DIR_NAME)));
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function requireWorkPaths(cwd: string, env: Env): WorkPaths {
  const root = findWorkRoot(cwd, env);
  if (root === undefined) {
    throw notInitialised();
  }
  return workPaths(root);
}

export function openStore(paths: WorkPaths): Store {
  return new Store(paths.db);
}

/** Opens the store and its active plan; errors when there is none. */
export function requireActivePlan(store: Store) {
  const plan = store.activePlan();
  if (plan === undefined) {
    throw noActivePlan();
  }
  return plan;
}

/**
 * Manual transitions and gate approvals are for humans, not for agents inside a session: refused
 * when FLUX_SESSION_ID is set, and also when a session's runner of this repository is among
 * this process's ancestors, whatever its environment (an agent that unset its FLUX_* variables).
 */
export function refuseInsideSession(env: Env, what: string, cwd = process.cwd()): void {
  if (env.FLUX_SESSION_ID !== undefined && env.FLUX_SESSION_ID !== "") {
    throw refusedInSession(what, env.FLUX_SESSION_ID);
  }
  const session = sessionAncestor(env, cwd);
  if (session !== undefined) throw refusedInSession(what, session);
}

/** The session this process runs in, found by its ancestry (see adapters/process/ancestry.ts). */
export function sessionAncestor(env: Env, cwd = process.cwd()): string | undefined {
  const root = findWorkRoot(cwd, env);
  if (root === undefined) return undefined;
  return runnerAncestor(workPaths(root).work)?.sessionId;
}

/**
 * Reads the layered settings (user file < .work/config.toml < FLUX_* < flags) and applies the
 * ones that shape output. Commands call it when they have found the repository.
 */
export function loadSettings(
  ctx: { env: Env; output: { color: boolean } },
  paths: WorkPaths,
  flags: Config = {},
): ResolvedConfig {
  const config = loadConfig({ configFile: paths.config, env: ctx.env, flags });
  if (config.color !== "auto") ctx.output.color = config.color === "always";
  return config;
}
