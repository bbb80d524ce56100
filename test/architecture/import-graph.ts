/**
 * The runtime import graph of TypeScript sources, and its cycles, read with the TypeScript
 * compiler's parser (no type checking, no resolution beyond relative paths).
 *
 * Runtime means what Node loads: `import type …`, imports whose every specifier is `type`,
 * and `export type … from` are erased by the compiler and never make a circle. Dynamic
 * `import()` is left out too: it loads when called, after every module has initialised, which
 * is how a lazy path (the CLI's commands) legitimately reaches back.
 */
import path from "node:path";
import ts from "typescript";

/** The module specifiers `source` loads at runtime, in order of appearance. */
export function runtimeImports(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      if (isRuntimeImport(statement.importClause)) specifiers.push(specifierOf(statement));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined) {
      if (isRuntimeExport(statement)) specifiers.push(specifierOf(statement));
    } else if (
      ts.isImportEqualsDeclaration(statement) &&
      !statement.isTypeOnly &&
      ts.isExternalModuleReference(statement.moduleReference) &&
      ts.isStringLiteral(statement.moduleReference.expression)
    ) {
      specifiers.push(statement.moduleReference.expression.text);
    }
  }
  return specifiers;
}

function isRuntimeImport(clause: ts.ImportClause | undefined): boolean {
  // `import "x"` runs x for its effects.
  if (clause === undefined) return true;
  if (clause.isTypeOnly) return false;
  if (clause.name !== undefined) return true;
  const bindings = clause.namedBindings;
  if (bindings === undefined || ts.isNamespaceImport(bindings)) return true;
  // `import {} from "x"` still loads x; `import { type A, type B }` does not.
  return bindings.elements.length === 0 || bindings.elements.some((e) => !e.isTypeOnly);
}

function isRuntimeExport(statement: ts.ExportDeclaration): boolean {
  if (statement.isTypeOnly) return false;
  const clause = statement.exportClause;
  // `export * from` and `export * as ns from` re-export values.
  if (clause === undefined || ts.isNamespaceExport(clause)) return true;
  return clause.elements.length === 0 || clause.elements.some((e) => !e.isTypeOnly);
}

function specifierOf(statement: ts.ImportDeclaration | ts.ExportDeclaration): string {
  const specifier = statement.moduleSpecifier;
  if (specifier === undefined || !ts.isStringLiteral(specifier)) {
    throw new Error(`unexpected module specifier in ${statement.getSourceFile().fileName}`);
  }
  return specifier.text;
}

/** Import graph: file → the files among `files` it loads at runtime. Paths are as given. */
export type ImportGraph = Map<string, string[]>;

/**
 * Builds the graph of `files` (path → source text). Relative specifiers are resolved against
 * the importing file, `.js` standing for `.ts` as NodeNext allows; packages and `node:` modules
 * are outside the graph.
 */
export function importGraph(files: ReadonlyMap<string, string>): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const [file, source] of files) {
    const targets = new Set<string>();
    for (const specifier of runtimeImports(file, source)) {
      if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
      const resolved = path.posix.join(path.posix.dirname(file), specifier);
      const candidates = [resolved, resolved.replace(/\.js$/, ".ts"), `${resolved}.ts`];
      const target = candidates.find((c) => files.has(c));
      if (target === undefined) throw new Error(`${file}: cannot resolve "${specifier}"`);
      targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** More cycles than this means something is badly tangled; listing them all would not help. */
const MAX_CYCLES = 5_000;

/**
 * Every elementary cycle, each as [a, b, …, a] starting at its smallest file (so a cycle has
 * one spelling), sorted. Each cycle is found once: from its smallest node, through larger ones.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const nodes = [...graph.keys()].sort();
  const cycles: string[][] = [];
  for (const start of nodes) {
    const stack = [start];
    const onStack = new Set([start]);
    const walk = (node: string): void => {
      for (const next of graph.get(node) ?? []) {
        if (next === start) {
          cycles.push([...stack, start]);
          if (cycles.length > MAX_CYCLES) throw new Error(`more than ${MAX_CYCLES} import cycles`);
        } else if (next > start && !onStack.has(next) && reaches(graph, next, start)) {
          stack.push(next);
          onStack.add(next);
          walk(next);
          stack.pop();
          onStack.delete(next);
        }
      }
    };
    walk(start);
  }
  return cycles.sort((a, b) => a.join("\n").localeCompare(b.join("\n")));
}

const reachCache = new WeakMap<ImportGraph, Map<string, Set<string>>>();

/** Whether `to` can be reached from `from` (memoised per graph): prunes walks that cannot close. */
function reaches(graph: ImportGraph, from: string, to: string): boolean {
  let cache = reachCache.get(graph);
  if (cache === undefined) reachCache.set(graph, (cache = new Map<string, Set<string>>()));
  let seen = cache.get(from);
  if (seen === undefined) {
    seen = new Set<string>();
    const queue = [from];
    for (let node = queue.pop(); node !== undefined; node = queue.pop()) {
      for (const next of graph.get(node) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    cache.set(from, seen);
  }
  return seen.has(to);
}

/** "a.ts → b.ts → a.ts" */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(" → ");
}
