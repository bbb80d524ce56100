/** The glob overlap approximation: sample paths from one glob, matched by the other. */
import { describe, expect, it } from "vitest";
import { globsOverlap, overlappingGlobs, samplePaths } from "../../../src/core/plan/index.ts";

describe("samplePaths", () => {
  it.each([
    ["src/models/*.rs", ["src/models/x.rs"]],
    ["src/**/*.ts", ["src/x.ts"]],
    ["src/**", ["src/x"]],
    ["./docs/?.md", ["docs/x.md"]],
    ["src/*.{ts,tsx}", ["src/x.ts", "src/x.tsx"]],
    ["{a,b}/{c,d}.js", ["a/c.js", "a/d.js", "b/c.js", "b/d.js"]],
    ["lib/[abc]_*.c", ["lib/a_x.c"]],
    ["lib/[!x]y", ["lib/yy"]],
  ])("%s → %j", (glob, samples) => {
    expect(samplePaths(glob)).toEqual(samples);
  });
});

describe("globsOverlap", () => {
  it.each([
    ["src/models/*.rs", "src/models/*.rs", true],
    ["src/**/*.rs", "src/models/*.rs", true],
    ["src/models/*.rs", "src/**/*.rs", true],
    ["src/**", "src/a/b/c.ts", true],
    ["src/*.{ts,tsx}", "src/app.tsx", true],
    ["./src/a.ts", "src/a.ts", true],
    ["src/.env", "src/**", true],
    ["src/models/*.rs", "src/api/*.rs", false],
    ["src/components/*.tsx", "src/components/*.css", false],
    ["src/auth/token.rs", "src/auth/refresh.rs", false],
    ["docs/**", "src/**", false],
  ])("%s and %s → %s", (a, b, expected) => {
    expect(globsOverlap(a, b)).toBe(expected);
    expect(globsOverlap(b, a)).toBe(expected);
  });

  it("lists every overlapping pair in order", () => {
    expect(overlappingGlobs(["src/**", "docs/a.md"], ["src/x.ts", "docs/*.md", "bin/*"])).toEqual([
      ["src/**", "src/x.ts"],
      ["docs/a.md", "docs/*.md"],
    ]);
  });
});
