import { describe, expect, it } from "vitest";
import {
  ghFailure,
  isNoPullRequest,
  parseCreated,
  parsePullList,
  parsePullView,
} from "../../../src/adapters/gh/parse.ts";
import { FluxError } from "../../../src/core/errors.ts";

describe("reading gh", () => {
  it("reads `gh pr view --json`, merged or not", () => {
    const merged = parsePullView(
      JSON.stringify({
        number: 7,
        url: "https://github.com/a/b/pull/7",
        state: "MERGED",
        mergedAt: "2026-01-02T03:04:05Z",
        mergeCommit: { oid: "abc123" },
        headRefOid: "def456",
      }),
    );
    expect(merged).toEqual({
      number: 7,
      url: "https://github.com/a/b/pull/7",
      state: "MERGED",
      mergedAt: "2026-01-02T03:04:05Z",
      mergeCommit: "abc123",
      headRefOid: "def456",
    });
    const open = parsePullView(
      '{"number":8,"url":"u","state":"OPEN","mergedAt":"0001-01-01T00:00:00Z","mergeCommit":null}',
    );
    expect(open).toMatchObject({
      state: "OPEN",
      mergedAt: null,
      mergeCommit: null,
      headRefOid: null,
    });
  });

  it("reads `gh pr list --json`", () => {
    expect(parsePullList('[{"number":3,"url":"u3","state":"OPEN","headRefOid":"x"}]')).toEqual([
      { number: 3, url: "u3", state: "OPEN", headRefOid: "x" },
    ]);
    expect(parsePullList("[]")).toEqual([]);
  });

  it("reads the address `gh pr create` prints last", () => {
    expect(
      parseCreated(
        "\nCreating pull request for flux/api into main in a/b\n\nhttps://github.com/a/b/pull/42\n",
      ),
    ).toEqual({ number: 42, url: "https://github.com/a/b/pull/42" });
  });

  it("refuses what it cannot read with GH_BAD_OUTPUT, never a stack trace", () => {
    const bad = ["not json", '{"number":"7"}', '{"number":7,"url":"u","state":"DRAFT"}', "{}"];
    for (const text of bad) {
      const error = catching(() => parsePullView(text));
      expect(error).toBeInstanceOf(FluxError);
      expect((error as FluxError).code).toBe("GH_BAD_OUTPUT");
      expect((error as FluxError).hint).toBeDefined();
    }
    expect((catching(() => parsePullList("{}")) as FluxError).code).toBe("GH_BAD_OUTPUT");
    expect((catching(() => parseCreated("something else")) as FluxError).code).toBe(
      "GH_BAD_OUTPUT",
    );
  });

  it("maps failures: not logged in, anything else with its command and stderr", () => {
    const auth = ghFailure(
      ["pr", "list"],
      4,
      "To get started with GitHub CLI, please run:  gh auth login\n",
    );
    expect(auth.code).toBe("GH_NOT_LOGGED_IN");
    expect(auth.hint).toContain("gh auth login");
    const other = ghFailure(["pr", "create", "--base", "main"], 1, "a\nb\nGraphQL: boom\n");
    expect(other.code).toBe("GH_FAILED");
    expect(other.message).toBe("gh pr create --base main failed (exit 1): a\nb\nGraphQL: boom");
    expect(other.data).toMatchObject({ args: ["pr", "create", "--base", "main"], status: 1 });
  });

  it("knows gh's answer for a branch with no pull request", () => {
    expect(isNoPullRequest('no pull requests found for branch "flux/api"')).toBe(true);
    expect(
      isNoPullRequest("GraphQL: Could not resolve to a PullRequest with the number of 9."),
    ).toBe(true);
    expect(isNoPullRequest("HTTP 502")).toBe(false);
  });
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
