import { describe, expect, it } from "vitest";
import {
  EMPTY_PREDICTION,
  allChecks,
  assemble,
  checkKey,
  checksToRun,
  conflicts,
  describeConflict,
  describeFiles,
  mergeOrder,
} from "../../../src/core/merge/index.ts";

const base = { name: "main", head: "b0" };

describe("predicted conflicts", () => {
  it("checks each stage against the base and each pair once, in a stable order", () => {
    const checks = allChecks(
      [
        { id: "ui", head: "u1" },
        { id: "api", head: "a1" },
      ],
      base,
    );
    expect(checks.map((c) => `${c.a.name}~${c.b.name}`)).toEqual(["api~main", "ui~main", "api~ui"]);
    expect(checks[0]!.b.base).toBe(true);
    expect(checks[2]!.b.base).toBe(false);
  });

  it("runs git only for pairs whose heads moved, and keeps the other answers", () => {
    const first = allChecks(
      [
        { id: "api", head: "a1" },
        { id: "ui", head: "u1" },
      ],
      base,
    );
    expect(checksToRun(EMPTY_PREDICTION, first)).toHaveLength(3);
    const fresh = new Map(
      first.map((c) => [
        checkKey(c),
        c.a.name === "api" && c.b.name === "ui" ? ["src/z.ts", "src/auth.ts"] : [],
      ]),
    );
    const p1 = assemble(EMPTY_PREDICTION, first, fresh);
    expect(checksToRun(p1, first)).toEqual([]);
    expect(conflicts(p1).map(describeConflict)).toEqual([
      "api and ui both change src/auth.ts and src/z.ts",
    ]);

    // ui moves: its two checks run again; api~main is reused.
    const second = allChecks(
      [
        { id: "api", head: "a1" },
        { id: "ui", head: "u2" },
      ],
      base,
    );
    const rerun = checksToRun(p1, second);
    expect(rerun.map((c) => `${c.a.name}~${c.b.name}`)).toEqual(["ui~main", "api~ui"]);
    const p2 = assemble(p1, second, new Map(rerun.map((c) => [checkKey(c), []])));
    expect(p2.checks).toHaveLength(3);
    expect(conflicts(p2)).toEqual([]);

    // A check nobody answered is left out, so it runs next time.
    expect(assemble(EMPTY_PREDICTION, second, new Map()).checks).toEqual([]);
  });

  it("names at most two paths and counts the rest", () => {
    expect(describeFiles(["src/a.ts"])).toBe("src/a.ts");
    expect(describeFiles(["src/a.ts", "src/b.ts"])).toBe("src/a.ts and src/b.ts");
    expect(describeFiles(["src/a.ts", "src/b.ts", "c", "d", "e"])).toBe(
      "src/a.ts, src/b.ts and 3 more",
    );
  });

  it("merges the smaller change first", () => {
    expect(
      mergeOrder([
        { id: "big", lines: 400, files: 3 },
        { id: "wide", lines: 10, files: 9 },
        { id: "small", lines: 10, files: 1 },
        { id: "also-small", lines: 10, files: 1 },
      ]),
    ).toEqual(["also-small", "small", "wide", "big"]);
  });
});
