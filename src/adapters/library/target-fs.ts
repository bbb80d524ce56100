/**
 * The install target on disk: reads what the planner needs (hashes, manifest, block file) and
 * applies a plan — every write by temp file + rename, so an interrupted install never leaves a
 * half-written file, and the manifest last, so it never lists a file that was not written.
 */
import fs from "node:fs";
import path from "node:path";
import type {
  Desired,
  InstallAgent,
  InstallPlan,
  Manifest,
  TargetState,
} from "../../core/install/index.ts";
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  hashText,
  isInstallAgent,
  pathsToRead,
} from "../../core/install/index.ts";

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** The manifest, or undefined when there is none (or it is not one of ours). */
export function readManifest(root: string): Manifest | undefined {
  const text = readText(path.join(root, MANIFEST_FILE));
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Partial<Manifest>;
  if (m.format !== MANIFEST_FORMAT || typeof m.agent !== "string" || !isInstallAgent(m.agent))
    return undefined;
  if (typeof m.files !== "object" || m.files === null) return undefined;
  return m as Manifest;
}

export function readTargetState(root: string, desired: Desired, agent: InstallAgent): TargetState {
  const found = readManifest(root);
  const manifest = found?.agent === agent ? found : undefined;
  const hashes = new Map<string, string>();
  for (const p of pathsToRead(desired, manifest)) {
    const text = readText(path.join(root, ...p.split("/")));
    if (text !== undefined) hashes.set(p, hashText(text));
  }
  const blockFile = desired.block?.file ?? manifest?.block?.file;
  return {
    manifest,
    hashes,
    blockText: blockFile === undefined ? undefined : readText(path.join(root, blockFile)),
  };
}

function writeAtomic(file: string, content: string, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.flux-tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.writeFileSync(tmp, content, { mode });
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

/** Removes the directories a removal left empty, up to (not including) the target. */
function pruneEmptyDirs(root: string, file: string): void {
  for (
    let dir = path.dirname(file);
    dir !== root && dir.startsWith(root + path.sep);
    dir = path.dirname(dir)
  ) {
    try {
      fs.rmdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") return;
      throw error;
    }
  }
}

export function applyPlan(root: string, plan: InstallPlan): void {
  for (const action of plan.files) {
    const file = path.join(root, ...action.path.split("/"));
    if ((action.kind === "create" || action.kind === "update") && action.content !== undefined) {
      writeAtomic(file, action.content, action.executable === true ? 0o755 : 0o644);
    } else if (action.kind === "remove") {
      fs.rmSync(file, { force: true });
      pruneEmptyDirs(root, file);
    }
  }
  const block = plan.block;
  if (
    block !== undefined &&
    (block.kind === "add" || block.kind === "replace" || block.kind === "remove")
  ) {
    const file = path.join(root, block.file);
    if (block.text === undefined) fs.rmSync(file, { force: true });
    else {
      // Keep the user's file mode (CLAUDE.md may be private).
      let mode = 0o644;
      try {
        mode = fs.statSync(file).mode & 0o777;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      writeAtomic(file, block.text, mode);
    }
  }
  const manifestFile = path.join(root, MANIFEST_FILE);
  if (plan.manifest === undefined) fs.rmSync(manifestFile, { force: true });
  else writeAtomic(manifestFile, `${JSON.stringify(plan.manifest, null, 2)}\n`, 0o644);
}
