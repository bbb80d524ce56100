import { describe, expect, it } from "vitest";
import { checkConfig } from "../../../src/core/config/schema.ts";
import { mergeConfig } from "../../../src/core/config/resolve.ts";

describe("[merge] remote and pr_poll", () => {
  it("default to origin and 60 s", () => {
    const config = mergeConfig([]);
    expect(config.remote).toBe("origin");
    expect(config.prPollMs).toBe(60_000);
  });

  it("take a remote's name and a positive duration; later layers win", () => {
    const config = mergeConfig([
      { merge: { remote: "upstream", pr_poll: "5m" } },
      { merge: { pr_poll: "30s" } },
    ]);
    expect(config.remote).toBe("upstream");
    expect(config.prPollMs).toBe(30_000);
  });

  it("refuse what git could read as an option, and a zero poll", () => {
    expect(checkConfig({ merge: { remote: "--upload-pack=x", pr_poll: "0s" } }).issues).toEqual([
      { path: "merge.remote", message: "must be the name of a git remote, e.g. origin" },
      { path: "merge.pr_poll", message: expect.stringContaining("above 0") as string },
    ]);
    expect(checkConfig({ merge: { remote: "" } }).issues).toHaveLength(1);
  });
});
