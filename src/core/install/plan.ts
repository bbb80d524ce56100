/**
 * Planning an install or an uninstall: what Flux wants under a target (desiredFor), what is
 * there (hashes, the manifest of what Flux wrote last time, the block file's text) → actions.
 * Pure; src/adapters/library applies the actions.
 *
 * The manifest is how Flux knows what it added: a file whose hash still matches the manifest
 * is Flux's to replace or remove; one that differs was edited by the user (reported, kept
 * unless --force); a file at a path Flux wants that the manifest does not list is the user's
 * own (a conflict: reported, skipped unless --force).
 */
import { createHash } from "node:crypto";
import type { Desired, InstallAgent } from "./library.ts";
import { blockInner, findBlock, removeBlock, upsertBlock } from "./markers.ts";

export const MANIFEST_FILE = ".flux-install.json";
export const MANIFEST_FORMAT = 1;

export interface ManifestBlock {
  file: string;
  /** Hash of the text between the markers as Flux wrote it. */
  hash: string;
  /** What Flux put in front of the block when it appended it (removed with it). */
  separator: string;
  /** Flux created the file: an uninstall that leaves it empty removes it. */
  createdFile: boolean;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  /** The Flux version that wrote it. */
  flux: string;
  agent: InstallAgent;
  /** Hash of everything this install wants (files and block): "did the library change?". */
  library: string;
  /** Path (relative to the target, "/" separators) → sha256 of the content Flux wrote. */
  files: Record<string, string>;
  block?: ManifestBlock | undefined;
}

export interface TargetState {
  manifest: Manifest | undefined;
  /** sha256 of each file on disk among pathsToRead(); a path missing here is not on disk. */
  hashes: ReadonlyMap<string, string>;
  /** The block file's text; undefined when the file does not exist. */
  blockText: string | undefined;
}

/**
 * create / update / unchanged / remove: what happens. conflict: the user's own file where Flux
 * wants one. edited: a file Flux wrote, changed since. kept: an edited file the library no
 * longer has, left to the user. `forced`: a conflict or edit overwritten/removed by --force.
 */
export type FileActionKind =
  "create" | "update" | "unchanged" | "remove" | "conflict" | "edited" | "kept";

export interface FileAction {
  kind: FileActionKind;
  path: string;
  /** The content to write (create, update). */
  content?: string | undefined;
  executable?: boolean | undefined;
  forced?: boolean | undefined;
}

export type BlockActionKind = "add" | "replace" | "unchanged" | "edited" | "remove";

export interface BlockAction {
  kind: BlockActionKind;
  file: string;
  /** The file's new full text (add, replace, remove); undefined: delete the file (remove). */
  text: string | undefined;
  forced?: boolean | undefined;
}

export interface InstallPlan {
  agent: InstallAgent;
  files: FileAction[];
  block: BlockAction | undefined;
  /** The manifest to write after the actions; undefined: remove it (a complete uninstall). */
  manifest: Manifest | undefined;
  /** Actions that write or remove something (the manifest aside). */
  changes: number;
  /** Conflicts and edits left alone (exit non-zero without --force). */
  skipped: number;
  /** Nothing to do: what is installed is what this library wants. */
  upToDate: boolean;
}

export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Every path whose hash the planner needs: what Flux wants and what it wrote last time. */
export function pathsToRead(desired: Desired, manifest: Manifest | undefined): string[] {
  const paths = new Set(desired.files.map((f) => f.path));
  for (const p of Object.keys(manifest?.files ?? {})) paths.add(p);
  return [...paths].sort();
}

export function libraryHash(desired: Desired): string {
  const h = createHash("sha256");
  for (const f of [...desired.files].sort((a, b) => a.path.localeCompare(b.path)))
    h.update(`${f.path}\0${f.executable === true ? "x" : ""}\0${f.content}\0`);
  if (desired.block !== undefined)
    h.update(`block\0${desired.block.file}\0${desired.block.content}`);
  return h.digest("hex");
}

const WRITES: ReadonlySet<FileActionKind> = new Set(["create", "update", "remove"]);

export function planInstall(input: {
  agent: InstallAgent;
  desired: Desired;
  state: TargetState;
  force: boolean;
  version: string;
}): InstallPlan {
  const { desired, state, force } = input;
  const old = state.manifest?.files ?? {};
  const files: FileAction[] = [];
  const next: Record<string, string> = {};
  const wanted = new Set<string>();

  for (const f of desired.files) {
    wanted.add(f.path);
    const want = hashText(f.content);
    const now = state.hashes.get(f.path);
    const wrote = old[f.path];
    const write = (kind: FileActionKind, forced = false): FileAction => ({
      kind,
      path: f.path,
      content: f.content,
      ...(f.executable === true ? { executable: true } : {}),
      ...(forced ? { forced } : {}),
    });
    if (now === undefined) {
      files.push(write("create"));
      next[f.path] = want;
    } else if (now === want) {
      files.push({ kind: "unchanged", path: f.path });
      next[f.path] = want;
    } else if (wrote !== undefined && now === wrote) {
      files.push(write("update"));
      next[f.path] = want;
    } else if (force) {
      files.push(write("update", true));
      next[f.path] = want;
    } else if (wrote !== undefined) {
      files.push({ kind: "edited", path: f.path });
      next[f.path] = wrote;
    } else {
      files.push({ kind: "conflict", path: f.path });
    }
  }

  for (const [p, wrote] of Object.entries(old)) {
    if (wanted.has(p)) continue;
    const now = state.hashes.get(p);
    if (now === undefined) continue;
    if (now === wrote) files.push({ kind: "remove", path: p });
    else if (force) files.push({ kind: "remove", path: p, forced: true });
    else files.push({ kind: "kept", path: p });
  }

  const { block, manifestBlock } = planBlock(desired, state, force);
  files.sort((a, b) => a.path.localeCompare(b.path));
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    flux: input.version,
    agent: input.agent,
    library: libraryHash(desired),
    files: Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b))),
    ...(manifestBlock === undefined ? {} : { block: manifestBlock }),
  };
  return summarise(input.agent, files, block, manifest, state.manifest);
}

function planBlock(
  desired: Desired,
  state: TargetState,
  force: boolean,
): { block: BlockAction | undefined; manifestBlock: ManifestBlock | undefined } {
  const previous = state.manifest?.block;
  const want = desired.block;
  const text = state.blockText;
  const found = text === undefined ? undefined : findBlock(text);

  if (want === undefined) {
    // The library no longer has a block: take out the one Flux wrote.
    if (previous === undefined || text === undefined || found === undefined)
      return { block: undefined, manifestBlock: undefined };
    return { block: removal(previous, text, found.inner, force), manifestBlock: undefined };
  }

  const inner = blockInner(want.content);
  const wantHash = hashText(inner);
  const record = (separator: string, createdFile: boolean): ManifestBlock => ({
    file: want.file,
    hash: wantHash,
    separator,
    createdFile,
  });
  if (text === undefined) {
    const edit = upsertBlock("", want.content);
    return {
      block: { kind: "add", file: want.file, text: edit.text },
      manifestBlock: record("", true),
    };
  }
  const separator = previous?.separator ?? "";
  const createdFile = previous?.createdFile ?? false;
  if (found === undefined) {
    const edit = upsertBlock(text, want.content);
    return {
      block: { kind: "add", file: want.file, text: edit.text },
      manifestBlock: record(edit.separator, false),
    };
  }
  const nowHash = hashText(found.inner);
  if (nowHash === wantHash)
    return {
      block: { kind: "unchanged", file: want.file, text: undefined },
      manifestBlock: record(separator, createdFile),
    };
  const ours = previous !== undefined && previous.hash === nowHash;
  if (!ours && !force && previous !== undefined)
    return { block: { kind: "edited", file: want.file, text: undefined }, manifestBlock: previous };
  // Markers without a manifest (a lost manifest, a copied file) are Flux's by their name.
  const edit = upsertBlock(text, want.content, separator);
  return {
    block: {
      kind: "replace",
      file: want.file,
      text: edit.text,
      ...(!ours && previous !== undefined ? { forced: true } : {}),
    },
    manifestBlock: record(separator, createdFile),
  };
}

function removal(
  previous: ManifestBlock,
  text: string,
  inner: string,
  force: boolean,
): BlockAction {
  if (hashText(inner) !== previous.hash && !force)
    return { kind: "edited", file: previous.file, text: undefined };
  const rest = removeBlock(text, previous.separator);
  return {
    kind: "remove",
    file: previous.file,
    text: rest === "" && previous.createdFile ? undefined : rest,
    ...(hashText(inner) !== previous.hash ? { forced: true } : {}),
  };
}

function summarise(
  agent: InstallAgent,
  files: FileAction[],
  block: BlockAction | undefined,
  manifest: Manifest | undefined,
  previous: Manifest | undefined,
): InstallPlan {
  const changes =
    files.filter((f) => WRITES.has(f.kind)).length +
    (block !== undefined && block.kind !== "unchanged" && block.kind !== "edited" ? 1 : 0);
  const skipped =
    files.filter((f) => f.kind === "conflict" || f.kind === "edited").length +
    (block?.kind === "edited" ? 1 : 0);
  const manifestSame =
    manifest !== undefined &&
    previous !== undefined &&
    JSON.stringify(manifest.files) === JSON.stringify(previous.files) &&
    JSON.stringify(manifest.block) === JSON.stringify(previous.block);
  const kept = files.some((f) => f.kind === "kept");
  return {
    agent,
    files,
    block,
    manifest,
    changes,
    skipped,
    upToDate: changes === 0 && skipped === 0 && !kept && manifestSame,
  };
}

/** Uninstall: remove what the manifest lists and is unchanged; edited files stay without --force. */
export function planUninstall(input: {
  agent: InstallAgent;
  state: TargetState;
  force: boolean;
}): InstallPlan {
  const { state, force } = input;
  const manifest = state.manifest;
  const files: FileAction[] = [];
  const left: Record<string, string> = {};
  for (const [p, wrote] of Object.entries(manifest?.files ?? {})) {
    const now = state.hashes.get(p);
    if (now === undefined) continue;
    if (now === wrote) files.push({ kind: "remove", path: p });
    else if (force) files.push({ kind: "remove", path: p, forced: true });
    else {
      files.push({ kind: "edited", path: p });
      left[p] = wrote;
    }
  }
  let block: BlockAction | undefined;
  let leftBlock: ManifestBlock | undefined;
  const previous = manifest?.block;
  if (previous !== undefined && state.blockText !== undefined) {
    const found = findBlock(state.blockText);
    if (found !== undefined) {
      block = removal(previous, state.blockText, found.inner, force);
      if (block.kind === "edited") leftBlock = previous;
    }
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const rest: Manifest | undefined =
    manifest !== undefined && (Object.keys(left).length > 0 || leftBlock !== undefined)
      ? { ...manifest, files: left, block: leftBlock }
      : undefined;
  const plan = summarise(input.agent, files, block, rest, manifest);
  return { ...plan, upToDate: manifest === undefined };
}
