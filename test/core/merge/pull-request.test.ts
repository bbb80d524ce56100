import { describe, expect, it } from "vitest";
import {
  closedReason,
  decidePull,
  openReason,
  pullName,
  type PullRef,
} from "../../../src/core/merge/pull-request.ts";

const REF: PullRef = {
  stageId: "api",
  number: 12,
  url: "https://github.com/acme/app/pull/12",
  branch: "flux/api",
  remote: "origin",
  baseBranch: "main",
};

describe("reconciling a pull request", () => {
  it("trusts gh: open, closed, and merged with its merge commit (squash merges have no ancestry)", () => {
    expect(
      decidePull({ kind: "gh", state: "OPEN", mergeCommit: null, remoteBase: undefined }),
    ).toEqual({ kind: "open" });
    expect(
      decidePull({ kind: "gh", state: "CLOSED", mergeCommit: null, remoteBase: undefined }),
    ).toEqual({ kind: "closed" });
    expect(
      decidePull({ kind: "gh", state: "MERGED", mergeCommit: "squash", remoteBase: "tip" }),
    ).toEqual({ kind: "merged", mergeCommit: "squash" });
  });

  it("takes the remote base's tip when gh names no merge commit, and waits when nothing does", () => {
    expect(
      decidePull({ kind: "gh", state: "MERGED", mergeCommit: null, remoteBase: "tip" }),
    ).toEqual({ kind: "merged", mergeCommit: "tip" });
    expect(
      decidePull({ kind: "gh", state: "MERGED", mergeCommit: null, remoteBase: undefined }),
    ).toEqual({ kind: "open" });
  });

  it("without gh, the pushed commit on the remote base means merged", () => {
    expect(decidePull({ kind: "ancestry", onRemoteBase: true, remoteBase: "tip" })).toEqual({
      kind: "merged",
      mergeCommit: "tip",
    });
    expect(decidePull({ kind: "ancestry", onRemoteBase: false, remoteBase: "tip" })).toEqual({
      kind: "open",
    });
    expect(decidePull({ kind: "ancestry", onRemoteBase: true, remoteBase: undefined })).toEqual({
      kind: "open",
    });
  });

  it("names the pull request, or the pushed branch when gh opened none", () => {
    expect(pullName(REF)).toBe("pull request #12");
    expect(pullName({ ...REF, number: null, url: null })).toBe("origin/flux/api");
  });

  it("says where to look while open, and what to do once closed", () => {
    expect(openReason(REF)).toBe(
      "pull request #12 open: https://github.com/acme/app/pull/12 — merged there, the stage merges here (`flux merge api` looks now)",
    );
    expect(openReason({ ...REF, number: null, url: null })).toMatch(
      /^pushed to origin\/flux\/api; no gh to open a pull request \(not installed, or the remote is not on GitHub\): open one into main yourself/,
    );
    const closed = closedReason(REF);
    expect(closed).toContain("pull request #12 was closed without merging");
    expect(closed).toContain("`flux merge api`");
    expect(closed).toContain("`flux stage api reset`");
  });
});
