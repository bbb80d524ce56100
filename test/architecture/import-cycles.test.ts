/**
 * No runtime import circles in src/ (STYLE.md: "No runtime import circles"): a module in a
 * circle may run before what it imports has initialised. Type-only imports do not count; they
 * are erased. See ./import-graph.ts for what counts as a runtime import.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, formatCycle, importGraph, runtimeImports } from "./import-graph.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Cycles tolerated for now, spelled as the failure lists them (from the smallest file). Cycles
 * inside src/engine and src/server are being removed by the engine reshape; none is left, and
 * the list may only shrink: a cycle listed here that no longer exists fails too.
 */
const KNOWN_CYCLES: readonly string[] = [];

function sources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const rel of fs.readdirSync(path.join(ROOT, "src"), { recursive: true, encoding: "utf8" })) {
    if (!rel.endsWith(".ts") || rel.endsWith(".d.ts")) continue;
    const file = path.posix.join("src", rel.split(path.sep).join("/"));
    files.set(file, fs.readFileSync(path.join(ROOT, file), "utf8"));
  }
  return files;
}

describe("runtime import cycles in src/", () => {
  it("has none beyond the known ones, and every known one still exists", () => {
    const files = sources();
    expect(files.size).toBeGreaterThan(50); // the walk found the sources
    const found = findCycles(importGraph(files)).map(formatCycle);
    const known = new Set(KNOWN_CYCLES);
    const fresh = found.filter((c) => !known.has(c));
    const gone = KNOWN_CYCLES.filter((c) => !found.includes(c));
    expect(
      { new: fresh, "known but gone (remove from KNOWN_CYCLES)": gone },
      "import cycles (file → … → file)",
    ).toEqual({ new: [], "known but gone (remove from KNOWN_CYCLES)": [] });
  });
});

describe("the cycle detector", () => {
  it("finds every cycle of a small graph, once each, spelled from its smallest file", () => {
    const files = new Map([
      ["src/a.ts", `import { b } from "./b.ts";\nexport const a = b;`],
      ["src/b.ts", `import { c } from "./c.ts";\nimport "./a.ts";\nexport const b = c;`],
      ["src/c.ts", `export * from "./a.ts";\nexport const c = 1;`],
      ["src/d.ts", `import { d } from "./d.ts";`],
      ["src/e.ts", `import { a } from "./a.ts";`],
    ]);
    expect(findCycles(importGraph(files)).map(formatCycle)).toEqual([
      "src/a.ts → src/b.ts → src/a.ts",
      "src/a.ts → src/b.ts → src/c.ts → src/a.ts",
      "src/d.ts → src/d.ts",
    ]);
  });

  it("ignores imports that are erased: import type, all-type specifiers, export type", () => {
    const files = new Map([
      ["src/x/one.ts", `import type { T } from "../two.ts";\nexport type U = T;`],
      [
        "src/two.ts",
        [
          `import { type U } from "./x/one.ts";`,
          `import { type U as V, type U as W } from "./x/one.ts";`,
          `export type { U } from "./x/one.ts";`,
          `export { type U as X } from "./x/one.ts";`,
          `const lazy = () => import("./x/one.ts");`,
          `export type T = string;`,
        ].join("\n"),
      ],
    ]);
    expect(findCycles(importGraph(files))).toEqual([]);
    // One value among the specifiers makes it a runtime import.
    files.set("src/x/one.ts", `import { type T, t } from "../two.ts";`);
    files.set("src/two.ts", `export { type U, u } from "./x/one.ts";`);
    expect(findCycles(importGraph(files)).map(formatCycle)).toEqual([
      "src/two.ts → src/x/one.ts → src/two.ts",
    ]);
  });

  it("reads each kind of runtime import, packages included", () => {
    const source = [
      `import a from "./a.ts";`,
      `import * as b from "./b.ts";`,
      `import "./c.ts";`,
      `import {} from "./d.ts";`,
      `export * from "./e.ts";`,
      `export * as f from "./f.ts";`,
      `import fs from "node:fs";`,
      `import type { G } from "./g.ts";`,
      `export type * from "./h.ts";`,
    ].join("\n");
    expect(runtimeImports("x.ts", source)).toEqual([
      "./a.ts",
      "./b.ts",
      "./c.ts",
      "./d.ts",
      "./e.ts",
      "./f.ts",
      "node:fs",
    ]);
  });

  it("refuses a relative import it cannot resolve, rather than dropping the edge", () => {
    const files = new Map([["src/a.ts", `import { b } from "./missing.ts";`]]);
    expect(() => importGraph(files)).toThrow(/cannot resolve "\.\/missing\.ts"/);
  });
});
