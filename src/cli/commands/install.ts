/**
 * `flux install` / `flux uninstall`: the library (agents, skills, the CLAUDE.md template) into
 * each agent CLI's user config directory, and exactly that back out. Planning is in
 * src/core/install, the files in src/adapters/library; this file picks targets and reports.
 */
import path from "node:path";
import { ExitCode, FluxError } from "../../core/errors.ts";
import type { InstallAgent, InstallPlan } from "../../core/install/index.ts";
import {
  INSTALL_AGENTS,
  desiredFor,
  installConflict,
  isInstallAgent,
  planInstall,
  planUninstall,
} from "../../core/install/index.ts";
import {
  applyPlan,
  assetsDir,
  defaultTarget,
  readLibrary,
  readTargetState,
} from "../../adapters/library/index.ts";
import type { CommandContext } from "../main.ts";
import { VERSION } from "../version.ts";
import { renderPlans } from "./install-report.ts";

export interface InstallOptions {
  for?: string[] | undefined;
  target?: string | undefined;
  dryRun?: boolean | undefined;
  check?: boolean | undefined;
  force?: boolean | undefined;
  json?: boolean | undefined;
  /** The library to install (default: this package's assets/). Tests and self-update use it. */
  assets?: string | undefined;
}

export interface Target {
  agent: InstallAgent;
  dir: string;
}

/** `--for claude,codex` / `--for all` (repeatable) → agents; default claude. */
export function parseAgents(values: readonly string[] | undefined): InstallAgent[] {
  const names = (values ?? ["claude"]).flatMap((v) => v.split(",")).map((v) => v.trim());
  const agents = new Set<InstallAgent>();
  for (const name of names) {
    if (name === "all") INSTALL_AGENTS.forEach((a) => agents.add(a));
    else if (isInstallAgent(name)) agents.add(name);
    else
      throw new FluxError("INVALID_ARGUMENT", `unknown agent for --for: ${name}`, {
        hint: `one or more of ${INSTALL_AGENTS.join(", ")}, or all`,
      });
  }
  return INSTALL_AGENTS.filter((a) => agents.has(a));
}

export function resolveTargets(ctx: CommandContext, opts: InstallOptions): Target[] {
  const agents = parseAgents(opts.for);
  if (opts.target !== undefined) {
    // Claude and opencode both use agents/ and skills/: one directory holds one agent's install.
    if (agents.length !== 1)
      throw new FluxError("INVALID_ARGUMENT", "--target takes one agent: say which with --for", {
        hint: "e.g. `flux install --for codex --target ~/codex-home`",
      });
    return [{ agent: agents[0] as InstallAgent, dir: path.resolve(ctx.cwd, opts.target) }];
  }
  return agents.map((agent) => ({ agent, dir: defaultTarget(agent, ctx.env) }));
}

/** The install plan of one target against the library in `assets` (nothing written). */
export function planTarget(target: Target, assets: string, force: boolean): InstallPlan {
  const desired = desiredFor(target.agent, readLibrary(assets), target.dir);
  const state = readTargetState(target.dir, desired, target.agent);
  return planInstall({ agent: target.agent, desired, state, force, version: VERSION });
}

export function install(ctx: CommandContext, opts: InstallOptions): Promise<number> {
  const targets = resolveTargets(ctx, opts);
  const assets = opts.assets ?? assetsDir();
  const plans = targets.map((t) => ({
    target: t,
    plan: planTarget(t, assets, opts.force === true),
  }));
  if (opts.check === true) {
    const upToDate = plans.every((p) => p.plan.upToDate);
    renderPlans(ctx, plans, { mode: "check", json: opts.json === true, ok: upToDate });
    // `--check` is a yes/no question for scripts: 1 means "an install is needed".
    return Promise.resolve(upToDate ? ExitCode.ok : 1);
  }
  if (opts.dryRun !== true) for (const p of plans) applyPlan(p.target.dir, p.plan);
  return Promise.resolve(finish(ctx, plans, "install", opts));
}

export function uninstall(ctx: CommandContext, opts: InstallOptions): Promise<number> {
  const targets = resolveTargets(ctx, opts);
  const plans = targets.map((t) => {
    const state = readTargetState(t.dir, { files: [], block: undefined }, t.agent);
    return {
      target: t,
      plan: planUninstall({ agent: t.agent, state, force: opts.force === true }),
    };
  });
  // upToDate here means "nothing installed": then there is no manifest of ours to touch.
  if (opts.dryRun !== true)
    for (const p of plans) if (!p.plan.upToDate) applyPlan(p.target.dir, p.plan);
  return Promise.resolve(finish(ctx, plans, "uninstall", opts));
}

function finish(
  ctx: CommandContext,
  plans: { target: Target; plan: InstallPlan }[],
  verb: "install" | "uninstall",
  opts: InstallOptions,
): number {
  const skipped = plans.flatMap((p) => [
    ...p.plan.files
      .filter((f) => f.kind === "conflict" || f.kind === "edited")
      .map((f) => path.join(p.target.dir, f.path)),
    ...(p.plan.block?.kind === "edited" ? [path.join(p.target.dir, p.plan.block.file)] : []),
  ]);
  const error = skipped.length > 0 ? installConflict(skipped, verb) : undefined;
  renderPlans(ctx, plans, {
    mode: opts.dryRun === true ? `${verb}-dry-run` : verb,
    json: opts.json === true,
    ok: error === undefined,
    error,
  });
  return error?.exitCode ?? ExitCode.ok;
}
