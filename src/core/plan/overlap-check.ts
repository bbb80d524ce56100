/**
 * PLAN_FILES_OVERLAP: stages that may run at the same time (neither depends on the other, even
 * indirectly) and claim files matching a common path.
 *
 * Design: the work must stay near-linear in the plan, because a plan can give a thousand
 * parallel stages the same glob. So globs are grouped into classes (identical after
 * normalising); only distinct classes are compared (overlap.ts, by literal prefix and within a
 * budget); reachability among the stages involved is one bit table (core/graph). A pair of
 * classes with few stage pairs reports each pair of stages, as a person reads it; a larger one
 * gives one summary naming a few of the stages.
 */
import type { GraphNode } from "../graph/index.ts";
import { reachability } from "../graph/index.ts";
import { globProblem, normalize, overlappingClasses } from "./overlap.ts";
import type { Path } from "./validate.ts";
import type { WorkMeter } from "./work.ts";
import { formatCount, quote } from "./work.ts";

/** A stage with an id of its own (first occurrence) and its `files` entries with their index. */
export interface FilesStage {
  index: number;
  id: string;
  files: ReadonlyArray<readonly [string, number]>;
}

export type OverlapReport = (message: string, path: Path, hint: string) => void;

/** Above this many stage pairs, a pair of classes is summarised rather than listed. */
const LISTED_PAIRS = 100;
/** Stages named in a summary. */
const SHOWN = 5;
/** Glob comparisons allowed: this many per distinct glob, plus a floor for small plans. */
const GLOB_COMPARISONS_PER_GLOB = 64;
const GLOB_COMPARISONS_FLOOR = 10_000;
/** Stage pair checks allowed, likewise. */
const PAIR_CHECKS_PER_STAGE = 200;
const PAIR_CHECKS_FLOOR = 100_000;

interface Member {
  stage: FilesStage;
  /** The glob as written and its index in `files`. */
  written: string;
  k: number;
}

interface Class {
  glob: string;
  members: Member[];
}

interface PairRecord {
  a: Member;
  b: Member;
  hits: number;
}

export function checkOverlaps(
  stages: readonly FilesStage[],
  nodes: readonly GraphNode[],
  meter: WorkMeter,
  report: OverlapReport,
): void {
  const classes = classify(stages);
  const search = overlappingClasses(
    classes.map((c) => c.glob),
    GLOB_COMPARISONS_PER_GLOB * classes.length + GLOB_COMPARISONS_FLOOR,
    meter,
  );
  const pairs: Array<[Class, Class]> = [];
  for (const c of classes) if (c.members.length > 1) pairs.push([c, c]);
  for (const [i, j] of search.pairs) {
    const a = classes[i];
    const b = classes[j];
    if (a !== undefined && b !== undefined) pairs.push([a, b]);
  }
  if (pairs.length === 0) return stoppedEarly(search.stopped, search.compared, report);

  const targets = new Set<string>();
  for (const [a, b] of pairs) for (const m of [...a.members, ...b.members]) targets.add(m.stage.id);
  const reach = reachability(nodes, [...targets], { onWords: (n) => meter.count("reach", n) });
  if (reach === undefined) {
    report(
      `${formatCount(targets.size)} stages have files that may overlap: too many to check which of them may run at the same time`,
      ["stages"],
      "Split the plan, or give the stages narrower globs.",
    );
    return;
  }

  let checks = PAIR_CHECKS_PER_STAGE * stages.length + PAIR_CHECKS_FLOOR;
  const records = new Map<string, PairRecord>();
  for (const [a, b] of pairs) {
    if (checks <= 0) break;
    const listed =
      a === b
        ? (a.members.length * (a.members.length - 1)) / 2
        : a.members.length * b.members.length;
    if (listed <= LISTED_PAIRS) {
      checks -= listed;
      meter.count("pairs", listed);
      for (const [x, y] of stagePairs(a, b)) {
        if (reach.concurrent(x.stage.id, y.stage.id)) record(records, x, y);
      }
      continue;
    }
    const involved = (from: Class, to: Class): Member[] => {
      const mask = reach.mask(to.members.map((m) => m.stage.id));
      const inTo = new Set(to.members.map((m) => m.stage));
      checks -= from.members.length;
      meter.count("pairs", from.members.length);
      return from.members.filter((x) => {
        const others = to.members.length - (inTo.has(x.stage) ? 1 : 0);
        return others - reach.relatedCount(x.stage.id, mask) > 0;
      });
    };
    if (a === b) summariseShared(a, involved(a, a), report);
    else summariseOverlap(a, involved(a, b), b, involved(b, a), report);
  }
  for (const { a, b, hits } of records.values()) reportPair(a, b, hits, report);
  stoppedEarly(search.stopped || checks <= 0, search.compared, report);
}

/** Classes of identical normalised globs, each stage once per class, in file order. */
function classify(stages: readonly FilesStage[]): Class[] {
  const byGlob = new Map<string, Class>();
  for (const stage of stages) {
    for (const [written, k] of stage.files) {
      if (globProblem(written) !== undefined) continue; // reported as PLAN_BAD_GLOB
      const glob = normalize(written);
      let c = byGlob.get(glob);
      if (c === undefined) byGlob.set(glob, (c = { glob, members: [] }));
      if (c.members[c.members.length - 1]?.stage !== stage) c.members.push({ stage, written, k });
    }
  }
  return [...byGlob.values()];
}

/** Stage pairs of a pair of classes: each unordered pair once within one class. */
function* stagePairs(a: Class, b: Class): Generator<[Member, Member]> {
  for (const [i, x] of a.members.entries()) {
    for (const y of a === b ? a.members.slice(i + 1) : b.members) {
      if (x.stage !== y.stage) yield [x, y];
    }
  }
}

/** One record per pair of stages, showing the glob pair that comes first in both lists. */
function record(records: Map<string, PairRecord>, x: Member, y: Member): void {
  const [a, b] = x.stage.index < y.stage.index ? [x, y] : [y, x];
  const key = `${a.stage.index}:${b.stage.index}`;
  const found = records.get(key);
  if (found === undefined) {
    records.set(key, { a, b, hits: 1 });
    return;
  }
  found.hits += 1;
  if (a.k < found.a.k || (a.k === found.a.k && b.k < found.b.k)) {
    found.a = a;
    found.b = b;
  }
}

function reportPair(a: Member, b: Member, hits: number, report: OverlapReport): void {
  const idA = a.stage.id;
  const idB = b.stage.id;
  const more = hits > 1 ? ` (and ${hits - 1} more pair(s) of globs)` : "";
  report(
    `stages "${idA}" and "${idB}" may run at the same time and both change files matching ${quote(a.written)} (${idA}) and ${quote(b.written)} (${idB})${more}`,
    ["stages", b.stage.index, "files", b.k],
    `Their branches may conflict when merged. Make one wait for the other (add "${idA}" to the dependencies of "${idB}"), or narrow the globs.`,
  );
}

const names = (members: readonly Member[]): string =>
  members
    .slice(0, SHOWN)
    .map((m) => `"${m.stage.id}"`)
    .join(", ") + (members.length > SHOWN ? ", …" : "");

function summariseShared(c: Class, involved: Member[], report: OverlapReport): void {
  const [first, second] = involved;
  if (first === undefined || second === undefined) return;
  const all = involved.length === c.members.length;
  const who = all ? " and" : `, and ${formatCount(involved.length)} of them`;
  report(
    `${formatCount(c.members.length)} stages share the glob ${quote(first.written)}${who} may run at the same time (showing ${Math.min(SHOWN, involved.length)}): ${names(involved)}`,
    ["stages", second.stage.index, "files", second.k],
    `Their branches may conflict when merged. Order them with dependencies (e.g. add "${first.stage.id}" to the dependencies of "${second.stage.id}"), or give each stage narrower globs.`,
  );
}

function summariseOverlap(
  a: Class,
  inA: Member[],
  b: Class,
  inB: Member[],
  report: OverlapReport,
): void {
  const [x] = inA;
  const [y] = inB;
  if (x === undefined || y === undefined) return;
  const shown = Math.min(SHOWN, inA.length) + Math.min(SHOWN, inB.length);
  report(
    `${formatCount(inA.length)} stages changing files matching ${quote(x.written)} may run at the same time as ${formatCount(inB.length)} changing files matching ${quote(y.written)} (showing ${shown}): ${names(inA)} and ${names(inB)}`,
    ["stages", y.stage.index, "files", y.k],
    `Their branches may conflict when merged. Order them with dependencies (e.g. add "${x.stage.id}" to the dependencies of "${y.stage.id}"), or narrow the globs.`,
  );
}

function stoppedEarly(stopped: boolean, compared: number, report: OverlapReport): void {
  if (!stopped) return;
  report(
    `the overlap check stopped after comparing ${formatCount(compared)} pairs of globs; overlaps past that point are not reported`,
    ["stages"],
    "Globs that start with a wildcard (*.ts, **/x) are compared with every other glob: anchor them in a directory (src/**/*.ts) to keep the check complete.",
  );
}
