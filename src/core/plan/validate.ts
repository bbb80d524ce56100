/**
 * The rules a plan must follow beyond its types: stage ids, dependencies and cycles, merge and
 * agent settings, context thresholds, groups, fields that are not active yet, and stages that
 * may edit the same files at once. The checks read the metadata as plain data (whatever the YAML held, before the
 * schema accepted it) so that one pass reports every problem, even in a plan with type errors.
 */
import type { Diagnostic, Severity } from "../diagnostics.ts";
import { findCycles } from "../graph/index.ts";
import type { GraphNode } from "../graph/index.ts";
import { STAGE_ID_RULE, isStageId } from "../stage/id.ts";
import { MAX_GLOB_LENGTH, globProblem } from "./overlap.ts";
import { checkOverlaps } from "./overlap-check.ts";
import { RESERVED_STAGE_IDS } from "./schema.ts";
import { checkContext, checkSettings } from "./validate-settings.ts";
import { checkStack } from "./stack-check.ts";
import type { Data, Path, Report, StageView } from "./validate-view.ts";
import { isRecord, label, strings } from "./validate-view.ts";
import { SuggestBudget, closest, slugify } from "./suggest.ts";
import type { WorkMeter } from "./work.ts";
import { NO_METER, formatCount, quote } from "./work.ts";

/** Steps "did you mean" may take in one validation (see SuggestBudget). */
export const SUGGEST_BUDGET = 1_000_000;
/** Cycles reported per strongly connected component, and stages shown of a long one. */
const CYCLES_PER_COMPONENT = 10;
const CYCLE_SHOWN = 10;

export type { Path };
export { isRecord };
export interface Position {
  line: number;
  column: number;
}
/**
 * Where a value (or, with "key", its key) sits in the plan file; the nearest enclosing value
 * when the path does not exist. Paths are relative to the `flux:` mapping.
 */
export type Locate = (path: Path, target?: "key" | "value") => Position | undefined;

export function validateMetadata(
  flux: Data,
  file: string,
  locate: Locate,
  meter: WorkMeter = NO_METER,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (
    code: string,
    severity: Severity,
    message: string,
    path: Path,
    hint: string,
    target: "key" | "value" = "value",
  ): void => {
    const at = locate(path, target);
    out.push({ code, severity, message, file, line: at?.line, column: at?.column, hint, path });
  };

  const stages = readStages(flux);
  const ids = new Set(stages.flatMap((s) => (s.id === undefined ? [] : [s.id])));
  const lineOf = (s: StageView): number | undefined => locate(["stages", s.index, "id"])?.line;
  const budget = new SuggestBudget(SUGGEST_BUDGET, meter);
  checkIds(stages, ids, lineOf, report);
  checkDependencies(stages, ids, budget, report);
  const graph = dependencyGraph(stages);
  checkCycles(stages, graph, report);

  checkSettings(isRecord(flux.defaults) ? flux.defaults : {}, stages, report);
  checkContext(isRecord(flux.defaults) ? flux.defaults : {}, stages, report);
  checkStack(isRecord(flux.defaults) ? flux.defaults : {}, stages, report);
  checkGroups(flux, stages, budget, report);
  checkGlobs(stages, report);
  const nodes: GraphNode[] = [...graph].map(([id, edges]) => ({
    id,
    dependencies: edges.map((e) => e.to),
  }));
  const withFiles = stages.flatMap((s) =>
    s.first && s.id !== undefined && strings(s.data.files).length > 0
      ? [{ index: s.index, id: s.id, files: strings(s.data.files) }]
      : [],
  );
  checkOverlaps(withFiles, nodes, meter, (message, path, hint) =>
    report("PLAN_FILES_OVERLAP", "warning", message, path, hint),
  );
  return out;
}

function readStages(flux: Data): StageView[] {
  const seen = new Set<string>();
  const raw = Array.isArray(flux.stages) ? (flux.stages as unknown[]) : [];
  return raw.flatMap((data, index) => {
    if (!isRecord(data)) return []; // the schema reports it
    const id = typeof data.id === "string" && data.id !== "" ? data.id : undefined;
    const first = id !== undefined && !seen.has(id);
    if (id !== undefined) seen.add(id);
    return [{ index, data, id, first }];
  });
}

function checkIds(
  stages: StageView[],
  ids: Set<string>,
  lineOf: (s: StageView) => number | undefined,
  report: Report,
): void {
  const firstOf = new Map<string, StageView>();
  const why =
    "Ids become branch names (flux/<id>), worktree paths (.worktrees/<id>) and tmux session names";
  for (const s of stages) {
    const path = ["stages", s.index, "id"];
    if (s.id === undefined) {
      if (s.data.id !== undefined && s.data.id !== null && s.data.id !== "") continue; // a type error
      const name = typeof s.data.name === "string" ? slugify(s.data.name) : "";
      report(
        "PLAN_MISSING_ID",
        "error",
        `stage #${s.index + 1} has no id`,
        path,
        `Add an id, e.g. id: ${freeId(name || `stage-${s.index + 1}`, ids)}. ${why}.`,
      );
      continue;
    }
    const first = firstOf.get(s.id);
    if (first !== undefined) {
      const line = lineOf(first);
      report(
        "PLAN_DUPLICATE_ID",
        "error",
        `stage id "${s.id}" is already used by the stage on line ${line ?? "?"}`,
        path,
        `Give this stage its own id, e.g. ${freeId(`${s.id}-2`, ids)}; dependencies name stages by id.`,
      );
    } else firstOf.set(s.id, s);
    if (!isStageId(s.id)) {
      const slug = slugify(s.id);
      report(
        "PLAN_INVALID_ID",
        "error",
        `stage id "${s.id}" is not valid: use ${STAGE_ID_RULE}`,
        path,
        `Use ${freeId(slug || `stage-${s.index + 1}`, ids)} instead. ${why}, so they must be safe in all three.`,
      );
    } else if ((RESERVED_STAGE_IDS as readonly string[]).includes(s.id)) {
      report(
        "PLAN_RESERVED_ID",
        "error",
        `"${s.id}" is a flux command word and cannot be a stage id`,
        path,
        `Use ${freeId(`${s.id}-stage`, ids)} or another name. Reserved: ${RESERVED_STAGE_IDS.join(", ")}, since \`flux stage <id> …\` and \`flux resume <id>\` could not tell them apart from subcommands.`,
      );
    }
  }
}

/** `wanted`, or `wanted-2`, `wanted-3`… when a stage already has that id. */
function freeId(wanted: string, ids: Set<string>): string {
  if (!ids.has(wanted)) return wanted;
  let n = 2;
  while (ids.has(`${wanted}-${n}`)) n++;
  return `${wanted}-${n}`;
}

function checkDependencies(
  stages: StageView[],
  ids: Set<string>,
  budget: SuggestBudget,
  report: Report,
): void {
  const candidates = [...ids];
  const known = candidates.slice(0, 12).join(", ") || "(none yet)";
  for (const s of stages) {
    for (const [dep, k] of strings(s.data.dependencies)) {
      const path = ["stages", s.index, "dependencies", k];
      if (dep === s.id) {
        report(
          "PLAN_SELF_DEPENDENCY",
          "error",
          `stage "${dep}" depends on itself`,
          path,
          "Remove it from its own dependencies: a stage cannot wait for itself.",
        );
      } else if (!ids.has(dep)) {
        const match = closest(dep, candidates, budget);
        const guess = match === undefined ? "" : ` Did you mean "${match}"?`;
        report(
          "PLAN_UNKNOWN_DEPENDENCY",
          "error",
          `${label(s)} depends on ${quote(dep)}, which is not a stage of this plan.${guess}`,
          path,
          match === undefined
            ? `Use one of the plan's stage ids: ${known}.`
            : `Change it to "${match}".`,
        );
      }
    }
  }
}

/** Edges stage → dependency, over first occurrences of ids, to stages that exist. */
type Graph = Map<string, Array<{ to: string; index: number }>>;

function dependencyGraph(stages: StageView[]): Graph {
  const graph: Graph = new Map();
  for (const s of stages) if (s.first && s.id !== undefined) graph.set(s.id, []);
  for (const s of stages) {
    if (!s.first || s.id === undefined) continue;
    for (const [dep, index] of strings(s.data.dependencies)) {
      if (dep !== s.id && graph.has(dep)) graph.get(s.id)?.push({ to: dep, index });
    }
  }
  return graph;
}

/**
 * Each elementary cycle (up to a few per tangle of stages, from core/graph's iterative search)
 * once, written from the stage that comes first in the file.
 */
function checkCycles(stages: StageView[], graph: Graph, report: Report): void {
  const order = new Map(stages.filter((s) => s.first).map((s) => [s.id ?? "", s.index]));
  const nodes = [...graph].map(([id, edges]) => ({ id, dependencies: edges.map((e) => e.to) }));
  const cycles = findCycles(nodes, { maxPerComponent: CYCLES_PER_COMPONENT });
  for (const closed of cycles) {
    const cycle = closed.slice(0, -1);
    const start = cycle.reduce(
      (best, c, i) => ((order.get(c) ?? 0) < (order.get(cycle[best] ?? "") ?? 0) ? i : best),
      0,
    );
    reportCycle([...cycle.slice(start), ...cycle.slice(0, start)], graph, order, report);
  }
}

/** `a → b → c`, or for a long path its first stages, a count, and its last two. */
function chain(ids: readonly string[]): string {
  if (ids.length <= CYCLE_SHOWN + 2) return ids.join(" → ");
  const hidden = ids.length - CYCLE_SHOWN - 2;
  return [...ids.slice(0, CYCLE_SHOWN), `… (${formatCount(hidden)} more) …`, ...ids.slice(-2)].join(
    " → ",
  );
}

function reportCycle(
  cycle: string[],
  graph: Graph,
  order: Map<string, number>,
  report: Report,
): void {
  const head = cycle[0] ?? "";
  const next = cycle[1] ?? head;
  const edge = graph.get(head)?.find((e) => e.to === next);
  const shown = cycle.length <= CYCLE_SHOWN ? cycle : cycle.slice(0, CYCLE_SHOWN);
  const links = shown.map((c, i) => `${c} → ${cycle[(i + 1) % cycle.length] ?? ""}`);
  const rest = cycle.length - shown.length;
  report(
    "PLAN_CYCLE",
    "error",
    `dependency cycle: ${chain([...cycle, head])} (each stage waits for the next, so none can start)`,
    ["stages", order.get(head) ?? 0, "dependencies", edge?.index ?? 0],
    `Remove one of these dependencies: ${links.join(", ")}${rest > 0 ? ` (or one of the ${formatCount(rest)} others in the cycle)` : ""}.`,
  );
}

function checkGroups(flux: Data, stages: StageView[], budget: SuggestBudget, report: Report): void {
  if (!isRecord(flux.groups)) return;
  const used = new Set(
    stages.flatMap((s) =>
      typeof s.data.parallel_group === "string" ? [s.data.parallel_group] : [],
    ),
  );
  const names = [...used];
  for (const name of Object.keys(flux.groups)) {
    if (used.has(name)) continue;
    const match = closest(name, names, budget);
    report(
      "PLAN_UNUSED_GROUP",
      "warning",
      `group ${quote(name)} is declared but no stage has parallel_group: ${name}`,
      ["groups", name],
      match === undefined
        ? `Set parallel_group: ${name} on the stages it should limit, or remove the group.`
        : `Stages use "${match}": rename one of the two so they match.`,
      "key",
    );
  }
}

/**
 * Globs the overlap check cannot read: empty ones (`""`, `"./"`, `" "`) match no file, and
 * over-long ones are refused (picomatch itself throws past 65,536 characters).
 */
function checkGlobs(stages: StageView[], report: Report): void {
  for (const s of stages) {
    for (const [glob, k] of strings(s.data.files)) {
      const problem = globProblem(glob);
      if (problem === undefined) continue;
      const field = `${label(s)}: \`files[${k}]\``;
      if (problem === "empty") {
        report(
          "PLAN_BAD_GLOB",
          "warning",
          glob === ""
            ? `${field} is empty, so it matches no file`
            : `${field} is ${quote(glob)}, which matches no file`,
          ["stages", s.index, "files", k],
          'Write a glob relative to the repository root, e.g. "src/**" for a whole directory, or remove the entry. The overlap check ignores it.',
        );
      } else {
        report(
          "PLAN_BAD_GLOB",
          "warning",
          `${field} is ${formatCount(glob.length)} characters long; globs are limited to ${formatCount(MAX_GLOB_LENGTH)}`,
          ["stages", s.index, "files", k],
          'Use a shorter glob, e.g. the directory with "/**". The overlap check ignores this one.',
        );
      }
    }
  }
}
