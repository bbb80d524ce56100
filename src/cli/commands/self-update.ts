/**
 * `flux self-update [--from <tarball|dir>]`: installs a new Flux into the npm prefix this one
 * runs from — the registry's latest, or the given tarball or checkout — then asks the NEW flux
 * whether each library installed before (found by its manifest) is out of date, and re-installs
 * those: the new version's library and rules decide, not the old one's.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ExitCode } from "../../core/errors.ts";
import type { InstallAgent } from "../../core/install/index.ts";
import {
  INSTALL_AGENTS,
  selfUpdateFailed,
  selfUpdateNoPrefix,
  selfUpdateNotPublished,
} from "../../core/install/index.ts";
import {
  defaultTarget,
  fluxPackageRoot,
  globalPrefixOf,
  readManifest,
  readPackageJson,
} from "../../adapters/library/index.ts";
import {
  isNotFound,
  npmInstallGlobal,
  npmLatestVersion,
  npmPack,
} from "../../adapters/system/npm.ts";
import type { CommandContext } from "../main.ts";
import { json } from "../output.ts";
import { VERSION } from "../version.ts";

export interface SelfUpdateOptions {
  from?: string | undefined;
  prefix?: string | undefined;
  dryRun?: boolean | undefined;
  json?: boolean | undefined;
}

interface Refresh {
  agent: InstallAgent;
  target: string;
  action: "up-to-date" | "reinstalled" | "failed" | "would-check";
  output?: string;
}

/** Targets with a Flux manifest of their agent: where `flux install` ran before. */
function installedTargets(env: NodeJS.ProcessEnv): { agent: InstallAgent; target: string }[] {
  return INSTALL_AGENTS.map((agent) => ({ agent, target: defaultTarget(agent, env) })).filter(
    (t) => readManifest(t.target)?.agent === t.agent,
  );
}

function binIn(prefix: string): string {
  return process.platform === "win32"
    ? path.join(prefix, "flux.cmd")
    : path.join(prefix, "bin", "flux");
}

export function selfUpdate(ctx: CommandContext, opts: SelfUpdateOptions): Promise<number> {
  const root = fluxPackageRoot();
  const name = readPackageJson(root)?.name ?? "flux";
  const prefix =
    opts.prefix !== undefined ? path.resolve(ctx.cwd, opts.prefix) : globalPrefixOf(root);
  if (prefix === undefined) throw selfUpdateNoPrefix(root);
  const targets = installedTargets(ctx.env);
  const log = (line: string) => {
    if (opts.json !== true) ctx.output.out(line);
  };

  let spec: string;
  let available: string | undefined;
  if (opts.from !== undefined) {
    spec = path.resolve(ctx.cwd, opts.from);
    if (!fs.existsSync(spec))
      throw selfUpdateFailed(["stat", spec], null, "no such file or directory");
  } else {
    const latest = npmLatestVersion(name, ctx.env);
    if (latest.version === undefined) {
      if (isNotFound(latest.result)) throw selfUpdateNotPublished(name);
      throw selfUpdateFailed(latest.result.command, latest.result.code, latest.result.stderr);
    }
    available = latest.version;
    spec = `${name}@${latest.version}`;
  }

  if (opts.dryRun === true) {
    const plan = {
      ok: true,
      dryRun: true,
      package: name,
      current: VERSION,
      available: available ?? null,
      prefix,
      install: ["npm", "install", "-g", "--prefix", prefix, spec],
      refresh: targets.map((t) => ({ ...t, action: "would-check" })),
    };
    if (opts.json === true) ctx.output.out(json(plan));
    else {
      log(`Would run: ${plan.install.join(" ")}`);
      log(
        targets.length === 0
          ? "No library installed with `flux install`: nothing to refresh."
          : `Then re-install the library where it changed: ${targets.map((t) => `${t.agent} (${t.target})`).join(", ")}`,
      );
    }
    return Promise.resolve(ExitCode.ok);
  }

  if (available !== undefined && available === VERSION && opts.from === undefined)
    log(`Flux ${VERSION} is the latest on the registry; re-installing it.`);

  let installSpec = spec;
  let packDir: string | undefined;
  if (opts.from !== undefined && fs.statSync(spec).isDirectory()) {
    packDir = fs.mkdtempSync(path.join(os.tmpdir(), "flux-self-update-"));
    log(`Packing ${spec} …`);
    const packed = npmPack(spec, packDir, ctx.env);
    if (packed.file === undefined)
      throw selfUpdateFailed(packed.result.command, packed.result.code, packed.result.stderr);
    installSpec = packed.file;
  }
  try {
    log(
      `Installing ${installSpec} into ${prefix} (npm; a native module may take minutes to build) …`,
    );
    const result = npmInstallGlobal(prefix, installSpec, ctx.env);
    if (result.code !== 0) throw selfUpdateFailed(result.command, result.code, result.stderr);
  } finally {
    if (packDir !== undefined) fs.rmSync(packDir, { recursive: true, force: true });
  }

  const newBin = binIn(prefix);
  const version = spawnSync(process.execPath, [newBin, "--version"], {
    encoding: "utf8",
    env: ctx.env,
  });
  const newVersion = version.status === 0 ? version.stdout.trim() : "unknown";
  log(`Flux ${VERSION} → ${newVersion} (${newBin})`);

  const refreshed: Refresh[] = targets.map((t) => {
    const args = [newBin, "install", "--for", t.agent, "--target", t.target, "--json"];
    const check = spawnSync(process.execPath, [...args, "--check"], {
      encoding: "utf8",
      env: ctx.env,
    });
    if (check.status === 0) return { ...t, action: "up-to-date" };
    const run = spawnSync(process.execPath, args, { encoding: "utf8", env: ctx.env });
    return {
      ...t,
      action: run.status === 0 ? "reinstalled" : "failed",
      output: run.stdout + run.stderr,
    };
  });
  for (const r of refreshed)
    log(
      `  ${r.agent} library (${r.target}): ${
        r.action === "up-to-date"
          ? "unchanged"
          : r.action === "reinstalled"
            ? "re-installed"
            : `re-install failed — run \`flux install --for ${r.agent}\``
      }`,
    );
  const ok = refreshed.every((r) => r.action !== "failed");
  if (opts.json === true)
    ctx.output.out(
      json({
        ok,
        package: name,
        previous: VERSION,
        version: newVersion,
        prefix,
        bin: newBin,
        refresh: refreshed,
      }),
    );
  return Promise.resolve(ok ? ExitCode.ok : ExitCode.refused);
}
