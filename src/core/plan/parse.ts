/**
 * Plan file text → resolved Plan, with every problem found on the way. The pipeline:
 * extract the metadata block (extract.ts), parse its YAML keeping source positions, check the
 * envelope (`flux:`, version, stages), check types against the schema, report unknown keys,
 * then apply the rules of validate.ts. Every diagnostic points at the plan file's own
 * line:column. Nothing throws on bad input; the plan is returned only when there is no error.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml";
import type { Document, Pair, YAMLMap, Node as YamlNode, YAMLError } from "yaml";
import type { Diagnostic } from "../diagnostics.ts";
import { hasErrors } from "../diagnostics.ts";
import { extractMetadata } from "./extract.ts";
import type { Plan } from "./model.ts";
import { resolvePlan } from "./model.ts";
import { PlanMetadata } from "./schema.ts";
import { checkUnknownKeys, schemaDiagnostics } from "./schema-check.ts";
import { summariseRepeated } from "./summary.ts";
import type { Locate, Path, Position } from "./validate.ts";
import { isRecord, validateMetadata } from "./validate.ts";
import type { WorkMeter } from "./work.ts";
import { NO_METER } from "./work.ts";

export interface ParseOptions {
  /** Counts validation's steps; tests bound them per stage. None by default. */
  meter?: WorkMeter | undefined;
}

export interface ParseResult {
  /** Present only when there are no errors (warnings allowed). */
  plan?: Plan;
  /** The validated metadata as written, present with `plan`. */
  metadata?: PlanMetadata;
  /** Errors and warnings, sorted by line. */
  diagnostics: Diagnostic[];
}

export function parsePlan(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const meter = options.meter ?? NO_METER;
  const extracted = extractMetadata(text, file);
  const diagnostics = [...extracted.diagnostics];
  // A loop, not push(...list): spreading 500,000 diagnostics overflows the call stack.
  const add = (list: readonly Diagnostic[]): void => {
    for (const d of list) diagnostics.push(d);
  };
  const block = extracted.block;
  const done = (): ParseResult => ({ diagnostics: finish(diagnostics) });
  if (block === undefined) return done();

  const counter = new LineCounter();
  const doc = parseDocument(block.yaml, { lineCounter: counter, prettyErrors: false, merge: true });
  const toFile = (offset: number): Position => {
    const { line, col } = counter.linePos(offset);
    return { line: block.line + line - 1, column: col };
  };
  for (const [severity, list] of [
    ["error", doc.errors],
    ["warning", doc.warnings],
  ] as const) {
    for (const e of list) diagnostics.push(yamlDiagnostic(e, severity, file, toFile, doc));
  }
  // The document's structure is unreliable past a syntax error: stop before guessing at it.
  if (doc.errors.length > 0) return done();

  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // yaml throws on alias bombs and unresolvable aliases: bad input, not a bug.
    if (!(error instanceof Error)) throw error;
    diagnostics.push({
      code: "PLAN_YAML_SYNTAX",
      severity: "error",
      message: error.message,
      file,
      line: block.line,
      column: 1,
      hint: "Simplify the YAML anchors and aliases (&name / *name) in the metadata.",
    });
    return done();
  }

  const keys = new KeyIndex(meter);
  const position = (path: Path, target: "key" | "value" = "value"): Position | undefined => {
    const offset = offsetOf(doc, path, target, keys);
    return offset === undefined ? { line: block.line, column: 1 } : toFile(offset);
  };
  const locate: Locate = (path, target) => position(["flux", ...path], target);

  if (!isRecord(root) || !("flux" in root)) {
    const at = isRecord(root) ? position([Object.keys(root)[0] ?? ""], "key") : position([]);
    const looksBare = isRecord(root) && ("stages" in root || "version" in root);
    diagnostics.push({
      code: "PLAN_NOT_FLUX",
      severity: "error",
      message: "the metadata has no top-level `flux:` key",
      file,
      ...at,
      hint: looksBare
        ? "Put `flux:` on the first line and indent version and stages under it by two spaces."
        : "The metadata starts with `flux:`, holding `version: 1` and the `stages:` list.",
    });
    return done();
  }
  add(checkUnknownKeys(root, file, position));
  const flux = root.flux;
  if (!isRecord(flux)) {
    diagnostics.push({
      code: "PLAN_SCHEMA",
      severity: "error",
      message: "`flux:` must be a mapping holding version and stages",
      file,
      ...position(["flux"]),
      hint: "Indent `version: 1` and `stages:` under `flux:` by two spaces.",
      path: [],
    });
    return done();
  }
  add(envelope(flux, file, locate));
  add(validateMetadata(flux, file, locate, meter));

  // A specific error on a value (PLAN_VERSION, …) explains it better than the
  // generic type error on the same value, so that one is dropped.
  const explained = new Set(
    diagnostics.flatMap((d) => (d.severity === "error" && d.path ? [JSON.stringify(d.path)] : [])),
  );
  const parsed = PlanMetadata.safeParse(flux);
  if (!parsed.success) {
    for (const d of schemaDiagnostics(parsed.error.issues, [], flux, file, locate)) {
      if (!explained.has(JSON.stringify(d.path))) diagnostics.push(d);
    }
  }
  if (hasErrors(diagnostics) || !parsed.success) return done();

  const lines = new Map<string, number>();
  parsed.data.stages.forEach((stage, i) => {
    const line = locate(["stages", i, "id"], "key")?.line;
    if (line !== undefined && !lines.has(stage.id)) lines.set(stage.id, line);
  });
  const title = extracted.title ?? (file.split(/[\\/]/).pop() ?? file).replace(/\.md$/i, "");
  const plan = resolvePlan(parsed.data, { file, title, overview: extracted.overview, lines });
  return { plan, metadata: parsed.data, diagnostics: finish(diagnostics) };
}

function finish(diagnostics: Diagnostic[]): Diagnostic[] {
  return summariseRepeated(sortDiagnostics(diagnostics));
}

/**
 * Each YAML mapping's keys, indexed on first use: finding a key by scanning the mapping made
 * locating every key of a 20,000-key mapping quadratic.
 */
class KeyIndex {
  readonly #maps = new WeakMap<YAMLMap, Map<string, Pair>>();
  constructor(private readonly meter: WorkMeter) {}
  find(map: YAMLMap, key: string): Pair | undefined {
    let index = this.#maps.get(map);
    if (index === undefined) {
      index = new Map();
      for (const pair of map.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (name !== undefined && !index.has(name)) index.set(name, pair);
      }
      this.#maps.set(map, index);
      this.meter.count("locate", map.items.length);
    }
    this.meter.count("locate", 1);
    return index.get(key);
  }
}

/** Version and stage list: the two things every plan needs, each with its own code. */
function envelope(flux: Record<string, unknown>, file: string, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (flux.version !== 1) {
    const missing = flux.version === undefined || flux.version === null;
    out.push({
      code: "PLAN_VERSION",
      severity: "error",
      message: missing
        ? "the metadata has no `version`"
        : `unsupported metadata version ${JSON.stringify(flux.version)}: this Flux reads version 1`,
      file,
      ...(missing ? locate([], "key") : locate(["version"])),
      hint: "Add `version: 1` under `flux:` (a number, not quoted).",
      path: ["version"],
    });
  }
  const stages = flux.stages;
  if (stages === undefined || stages === null || (Array.isArray(stages) && stages.length === 0)) {
    out.push({
      code: "PLAN_EMPTY",
      severity: "error",
      message: "the plan has no stages",
      file,
      ...(stages === undefined ? locate([], "key") : locate(["stages"])),
      hint: 'Add at least one stage under `stages:`, e.g.\n  stages:\n    - id: first-stage\n      acceptance:\n        - "npm test"',
      path: ["stages"],
    });
  }
  return out;
}

function yamlDiagnostic(
  e: YAMLError,
  severity: "error" | "warning",
  file: string,
  toFile: (offset: number) => Position,
  doc: Document,
): Diagnostic {
  // yaml reports an unclosed quote where the text runs out; the quote that opened it is the fix.
  const quote = e.code === "MISSING_CHAR" ? openingQuote(doc, e.pos[0]) : undefined;
  const hints: Record<string, string> = {
    DUPLICATE_KEY: "Each key may appear once in a mapping: remove or rename one of them.",
    TAB_AS_INDENT: "Indent YAML with spaces, never tabs.",
    BAD_INDENT: "Line up items of the same list or mapping at the same indentation.",
    MULTIPLE_DOCS: "Keep one YAML document in the block: remove the `---` separator.",
  };
  return {
    code: "PLAN_YAML_SYNTAX",
    severity,
    message: quote === undefined ? `YAML: ${e.message}` : "YAML: this quoted value is never closed",
    file,
    ...toFile(quote ?? e.pos[0]),
    hint:
      (quote === undefined ? hints[e.code] : "Add the closing quote at the end of the value.") ??
      "Check indentation and quoting near this point: quote values that contain `: `, ` #` or start with * & ! { [ or @.",
  };
}

function openingQuote(doc: Document, offset: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_, node) {
      const [from, to] = node.range ?? [];
      const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
      if (quoted && from !== undefined && to !== undefined && from < offset && to >= offset) {
        start = from;
      }
    },
  });
  return start;
}

/** Offset of the node at `path` (or of its key), else of the deepest enclosing node found. */
function offsetOf(
  doc: Document,
  path: Path,
  target: "key" | "value",
  keys: KeyIndex,
): number | undefined {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0];
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = keys.find(node, String(segment));
      if (pair === undefined) return offset;
      const keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      const value = pair.value as YamlNode | null;
      offset =
        (last && target === "key") || value === null ? keyOffset : (value.range?.[0] ?? keyOffset);
      node = value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as YamlNode | null | undefined;
      if (item === undefined || item === null) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else return offset;
  }
  return offset;
}

/** By line, then column; the sort is stable, so one line's diagnostics keep their order. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}
