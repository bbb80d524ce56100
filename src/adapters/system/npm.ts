/**
 * npm, as `flux self-update` uses it: the registry's latest version of a package, and a global
 * install into a given prefix. Argument arrays only; the npm next to the running node first,
 * so an update uses the same Node installation as the flux it replaces.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface NpmResult {
  command: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

export function npmBin(): string {
  const beside = path.join(
    path.dirname(process.execPath),
    process.platform === "win32" ? "npm.cmd" : "npm",
  );
  return fs.existsSync(beside) ? beside : "npm";
}

function npm(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): NpmResult {
  const bin = npmBin();
  const r = spawnSync(bin, args, {
    encoding: "utf8",
    env,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ENOENT")
    return {
      command: ["npm", ...args],
      code: 127,
      stdout: "",
      stderr: "npm is not installed or not on PATH",
    };
  return {
    command: ["npm", ...args],
    code: r.status,
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
  };
}

/** The registry's latest version; `undefined` when the package is not published (404). */
export function npmLatestVersion(
  name: string,
  env: NodeJS.ProcessEnv,
): { version: string | undefined; result: NpmResult } {
  const result = npm(["view", name, "version", "--json"], env, 60_000);
  if (result.code !== 0) return { version: undefined, result };
  const parsed: unknown = JSON.parse(result.stdout.trim() || "null");
  return { version: typeof parsed === "string" ? parsed : undefined, result };
}

export function isNotFound(result: NpmResult): boolean {
  return /\bE404\b|404 Not Found/.test(result.stderr + result.stdout);
}

/** `npm install -g --prefix <prefix> <spec>`: a tarball, a directory or `name@version`. */
export function npmInstallGlobal(prefix: string, spec: string, env: NodeJS.ProcessEnv): NpmResult {
  return npm(
    ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", spec],
    env,
    30 * 60_000,
  );
}

/**
 * `npm pack <dir>` into `dest`: the tarball's path. A global install of a directory would only
 * link to it (npm ≥ 7), so a checkout is packed and installed as a user's tarball would be.
 */
export function npmPack(
  dir: string,
  dest: string,
  env: NodeJS.ProcessEnv,
): { file: string | undefined; result: NpmResult } {
  const result = npm(["pack", "--json", "--pack-destination", dest, dir], env, 10 * 60_000);
  if (result.code !== 0) return { file: undefined, result };
  const parsed = JSON.parse(result.stdout) as { filename?: string }[];
  const name = parsed[0]?.filename;
  return { file: name === undefined ? undefined : path.join(dest, name), result };
}
