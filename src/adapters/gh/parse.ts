/**
 * What `gh` prints, read (pure, so every shape is tested without a `gh`): the JSON of
 * `gh pr view --json` and `gh pr list --json`, the address `gh pr create` prints, and a failed
 * run's stderr turned into a FluxError with a hint.
 */
import { ExitCode, FluxError } from "../../core/errors.ts";

export type GhPullState = "OPEN" | "CLOSED" | "MERGED";

/** `gh pr view --json number,url,state,mergedAt,mergeCommit,headRefOid`. */
export interface GhPullView {
  number: number;
  url: string;
  state: GhPullState;
  mergedAt: string | null;
  /** The commit the merge made on the base (a merge, squash or rebase commit); null until merged. */
  mergeCommit: string | null;
  headRefOid: string | null;
}

/** One row of `gh pr list --json number,url,state,headRefOid`. */
export interface GhPullSummary {
  number: number;
  url: string;
  state: GhPullState;
  headRefOid: string | null;
}

export const VIEW_FIELDS = "number,url,state,mergedAt,mergeCommit,headRefOid";
export const LIST_FIELDS = "number,url,state,headRefOid";

function badOutput(what: string, text: string): FluxError {
  return new FluxError("GH_BAD_OUTPUT", `gh ${what} printed something Flux cannot read`, {
    hint: "run it yourself to see; `gh --version` shows which gh is on PATH",
    data: { output: text.slice(0, 500) },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badOutput(what, text);
  }
}

function pullState(value: unknown): GhPullState | undefined {
  return value === "OPEN" || value === "CLOSED" || value === "MERGED" ? value : undefined;
}

function summary(what: string, text: string, value: unknown): GhPullSummary {
  if (!isRecord(value)) throw badOutput(what, text);
  const state = pullState(value.state);
  if (
    typeof value.number !== "number" ||
    !Number.isInteger(value.number) ||
    typeof value.url !== "string" ||
    state === undefined
  )
    throw badOutput(what, text);
  const head = value.headRefOid;
  return {
    number: value.number,
    url: value.url,
    state,
    headRefOid: typeof head === "string" && head !== "" ? head : null,
  };
}

export function parsePullView(text: string): GhPullView {
  const value = parseJson("pr view", text);
  const base = summary("pr view", text, value);
  const record = value as Record<string, unknown>;
  const merged = record.mergedAt;
  const commit = record.mergeCommit;
  const oid = isRecord(commit) && typeof commit.oid === "string" ? commit.oid : null;
  return {
    ...base,
    // gh prints "0001-01-01T00:00:00Z" or null for a pull request not merged.
    mergedAt: typeof merged === "string" && !merged.startsWith("0001-") ? merged : null,
    mergeCommit: oid === "" ? null : oid,
  };
}

export function parsePullList(text: string): GhPullSummary[] {
  const value = parseJson("pr list", text);
  if (!Array.isArray(value)) throw badOutput("pr list", text);
  return value.map((entry) => summary("pr list", text, entry));
}

/** `gh pr create` prints the new pull request's address last: its number is the path's end. */
export function parseCreated(text: string): { number: number; url: string } {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const url = lines.at(-1) ?? "";
  const match = /\/pull\/(\d+)\/?$/.exec(url);
  if (match?.[1] === undefined) throw badOutput("pr create", text);
  return { number: Number(match[1]), url };
}

/** A failed `gh` run as a FluxError: not logged in, no such pull request, or anything else. */
export function ghFailure(
  args: readonly string[],
  status: number | null,
  stderr: string,
): FluxError {
  const tail = stderr.trim().split("\n").slice(-5).join("\n");
  const data = { args: [...args], status, stderr: tail };
  if (/gh auth login|not logged in|authentication|HTTP 401/i.test(stderr)) {
    return new FluxError("GH_NOT_LOGGED_IN", `gh is not logged in: ${tail}`, {
      hint: "run `gh auth login` (or set GH_TOKEN for the daemon), then `flux merge <id>`",
      data,
    });
  }
  return new FluxError(
    "GH_FAILED",
    `gh ${args.join(" ")} failed (exit ${status ?? "signal"}): ${tail}`,
    {
      hint: "run the command yourself in the repository to see the whole message",
      exitCode: ExitCode.environment,
      data,
    },
  );
}

/**
 * gh runs, but the repository's remotes are not on a GitHub host gh knows: for Flux that is the
 * same as no gh (the merge is recognised by ancestry).
 */
export function isNotGitHub(stderr: string): boolean {
  return /none of the git remotes configured for this repository point to a known GitHub host|not a git repository|no git remotes found/i.test(
    stderr,
  );
}

/** `gh pr view` of a branch or number nobody opened a pull request for. */
export function isNoPullRequest(stderr: string): boolean {
  return /no pull requests? found|could not resolve to a pullrequest/i.test(stderr);
}
