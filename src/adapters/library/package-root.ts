/**
 * Where Flux's own package is on disk — a checkout, or an install under `<prefix>/lib/node_modules`
 * — found by walking up from this module to the package.json whose bin is `flux`. The same
 * answer from src/ (tsx, tests) and dist/ (the built CLI).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FluxError } from "../../core/errors.ts";

let cached: string | undefined;

export function fluxPackageRoot(
  from: string = path.dirname(fileURLToPath(import.meta.url)),
): string {
  if (cached !== undefined && from === path.dirname(fileURLToPath(import.meta.url))) return cached;
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = readPackageJson(dir);
    if (pkg !== undefined && typeof pkg.bin === "object" && pkg.bin !== null && "flux" in pkg.bin) {
      cached = dir;
      return dir;
    }
    if (path.dirname(dir) === dir)
      throw new FluxError("PACKAGE_ROOT", `cannot find Flux's package.json above ${from}`, {
        hint: "reinstall Flux (`npm install -g` of the package or its tarball)",
      });
  }
}

export interface PackageJson {
  name?: string;
  version?: string;
  bin?: unknown;
}

export function readPackageJson(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** assets/ of the package: the library `flux install` copies. */
export function assetsDir(root: string = fluxPackageRoot()): string {
  return path.join(root, "assets");
}

/**
 * The npm prefix a global install lives in: `<prefix>/lib/node_modules/[@scope/]name` (Unix) or
 * `<prefix>/node_modules/[@scope/]name` (Windows); undefined for a checkout.
 */
export function globalPrefixOf(root: string): string | undefined {
  const parts = root.split(path.sep);
  const i = parts.lastIndexOf("node_modules");
  if (i < 0) return undefined;
  const base = parts.slice(0, i);
  if (base[base.length - 1] === "lib") base.pop();
  return base.join(path.sep) || path.sep;
}
