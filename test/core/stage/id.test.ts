import { describe, expect, it } from "vitest";
import { SESSION_NAME } from "../../../src/adapters/sessions/backend.ts";
import { isStageId } from "../../../src/core/stage/id.ts";

describe("the stage id rule", () => {
  it("takes lowercase letters, digits and dashes, 1 to 63 long, not starting with a dash", () => {
    for (const id of ["a", "0", "api-2", "a".repeat(63), "x-"]) expect(isStageId(id)).toBe(true);
    for (const id of ["", "-a", "A", "a_b", "a b", "a/b", "a".repeat(64), "é", "a\n"])
      expect(isStageId(id)).toBe(false);
  });

  it("is the rule session names are built on", () => {
    expect(SESSION_NAME.test(`flux-${"a".repeat(63)}`)).toBe(true);
    expect(SESSION_NAME.test(`flux-${"a".repeat(64)}`)).toBe(false);
    expect(SESSION_NAME.test("flux--a")).toBe(false);
  });
});
