/**
 * The GitHub CLI adapter: every `gh` call Flux makes (`merge: pr`) goes through here. Each verb
 * resolves to `undefined` when `gh` is not installed, so the caller can fall back to git; any
 * other failure is a FluxError with a hint (GH_NOT_LOGGED_IN, GH_FAILED, GH_BAD_OUTPUT).
 */
import { ghTry } from "./run.ts";
import type { GhOptions } from "./run.ts";
import {
  LIST_FIELDS,
  VIEW_FIELDS,
  ghFailure,
  isNoPullRequest,
  isNotGitHub,
  parseCreated,
  parsePullList,
  parsePullView,
} from "./parse.ts";
import type { GhPullSummary, GhPullView } from "./parse.ts";

export type { GhOptions } from "./run.ts";
export * from "./parse.ts";

/** The answer of a verb when gh is not on PATH, or the remotes are not on a GitHub host. */
export const GH_ABSENT = "gh-absent" as const;
export type GhAbsent = typeof GH_ABSENT;

async function ghJson<T>(
  args: string[],
  options: GhOptions,
  parse: (text: string) => T,
): Promise<T | GhAbsent> {
  const result = await ghTry(args, options);
  if (result === undefined) return GH_ABSENT;
  if (result.status !== 0) {
    if (isNotGitHub(result.stderr)) return GH_ABSENT;
    throw ghFailure(args, result.status, result.stderr);
  }
  return parse(result.stdout);
}

/** The open pull requests whose head is `branch` (`gh pr list --head`). */
export function listOpenPulls(
  branch: string,
  options: GhOptions,
): Promise<GhPullSummary[] | GhAbsent> {
  return ghJson(
    ["pr", "list", "--head", branch, "--state", "open", "--json", LIST_FIELDS],
    options,
    parsePullList,
  );
}

/** A pull request by number (or branch); undefined when there is none. */
export async function viewPull(
  selector: number | string,
  options: GhOptions,
): Promise<GhPullView | undefined | GhAbsent> {
  const args = ["pr", "view", String(selector), "--json", VIEW_FIELDS];
  const result = await ghTry(args, options);
  if (result === undefined) return GH_ABSENT;
  if (result.status !== 0) {
    if (isNotGitHub(result.stderr)) return GH_ABSENT;
    if (isNoPullRequest(result.stderr)) return undefined;
    throw ghFailure(args, result.status, result.stderr);
  }
  return parsePullView(result.stdout);
}

/** Replaces a pull request's description (`gh pr edit <n> --body-file`). */
export async function editPullBody(
  number: number,
  bodyFile: string,
  options: GhOptions,
): Promise<void | GhAbsent> {
  const args = ["pr", "edit", String(number), "--body-file", bodyFile];
  const result = await ghTry(args, options);
  if (result === undefined) return GH_ABSENT;
  if (result.status !== 0) throw ghFailure(args, result.status, result.stderr);
}

export interface CreatePull {
  base: string;
  head: string;
  title: string;
  /** A file holding the description (never passed inline). */
  bodyFile: string;
}

/** Opens a pull request (`gh pr create`); its number and address. */
export async function createPull(
  pull: CreatePull,
  options: GhOptions,
): Promise<{ number: number; url: string } | GhAbsent> {
  const args = [
    "pr",
    "create",
    "--base",
    pull.base,
    "--head",
    pull.head,
    "--title",
    pull.title,
    "--body-file",
    pull.bodyFile,
  ];
  return ghJson(args, options, parseCreated);
}
