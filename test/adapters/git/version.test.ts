import { describe, expect, it } from "vitest";
import { installedGitVersion, isGitSupported } from "../../../src/adapters/git/version.ts";

describe("git version", () => {
  it("reads the installed git's version, and nothing for a missing git", () => {
    expect(installedGitVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installedGitVersion("/nonexistent/git")).toBeUndefined();
  });

  it("needs 2.38 (merge-tree --write-tree)", () => {
    expect(["2.37.9", "2.20.1", "1.9.0"].map(isGitSupported)).toEqual([false, false, false]);
    expect(["2.38.0", "2.39.5", "3.0.0"].map(isGitSupported)).toEqual([true, true, true]);
  });
});
