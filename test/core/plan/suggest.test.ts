/** "Did you mean" and id slugs. */
import { describe, expect, it } from "vitest";
import { closest, didYouMean, levenshtein, slugify } from "../../../src/core/plan/index.ts";

describe("levenshtein", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["dependecies", "dependencies", 1],
    ["same", "same", 0],
  ])("%s ↔ %s = %i", (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
    expect(levenshtein(b, a)).toBe(d);
  });
});

describe("closest", () => {
  const ids = ["stage-1-models", "stage-2-api", "stage-3-frontend"];

  it("finds typos", () => {
    expect(closest("stage-1-model", ids)).toBe("stage-1-models");
    expect(closest("stage-3-fronted", ids)).toBe("stage-3-frontend");
    expect(closest("agnet", ["agent", "command", "model"])).toBe("agent");
  });

  it("finds a short form contained in an id", () => {
    expect(closest("frontend", ids)).toBe("stage-3-frontend");
  });

  it("gives nothing for unrelated words or the word itself", () => {
    expect(closest("website", ids)).toBeUndefined();
    expect(closest("ab", ["xyz"])).toBeUndefined();
    expect(closest("agent", ["agent"])).toBeUndefined();
    expect(didYouMean("website", ids)).toBe("");
    expect(didYouMean("agnt", ["agent"])).toBe(' Did you mean "agent"?');
  });
});

describe("slugify", () => {
  it.each([
    ["Data Models", "data-models"],
    ["  API: endpoints (v2)!  ", "api-endpoints-v2"],
    ["Café Crème", "cafe-creme"],
    ["---", ""],
    ["x".repeat(80), "x".repeat(63)],
  ])("%s → %s", (text, slug) => {
    expect(slugify(text)).toBe(slug);
  });
});
