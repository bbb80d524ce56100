/**
 * Repeated warnings, summarised: past the first few of one code, the rest become one line that
 * says how many and where. A plan with 20,000 unknown keys is one mistake made often, and
 * listing each would bury every other diagnostic.
 */
import type { Diagnostic } from "../diagnostics.ts";
import { formatCount } from "./work.ts";

/** Warnings of one code listed before the rest are summarised. */
export const REPEATED_WARNINGS_SHOWN = 20;

/** `sorted` (by line) with each warning code's surplus replaced by one summary in its place. */
export function summariseRepeated(sorted: readonly Diagnostic[]): Diagnostic[] {
  const total = new Map<string, number>();
  for (const d of sorted) {
    if (d.severity === "warning") total.set(d.code, (total.get(d.code) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  const out: Diagnostic[] = [];
  for (const d of sorted) {
    const count = total.get(d.code) ?? 0;
    if (d.severity !== "warning" || count <= REPEATED_WARNINGS_SHOWN + 1) {
      out.push(d);
      continue;
    }
    const n = (seen.get(d.code) ?? 0) + 1;
    seen.set(d.code, n);
    if (n <= REPEATED_WARNINGS_SHOWN) out.push(d);
    else if (n === REPEATED_WARNINGS_SHOWN + 1) out.push(summary(d, sorted, count - n + 1));
  }
  return out;
}

function summary(first: Diagnostic, sorted: readonly Diagnostic[], hidden: number): Diagnostic {
  const last = sorted.findLast((d) => d.code === first.code && d.severity === "warning");
  const span =
    first.line === undefined || last?.line === undefined
      ? ""
      : `, from line ${formatCount(first.line)} to line ${formatCount(last.line)}`;
  return {
    code: first.code,
    severity: "warning",
    message: `${formatCount(hidden)} more ${first.code} warnings like the ones above${span}`,
    file: first.file,
    line: first.line,
    column: first.column,
    hint: "Fix the ones listed and validate again: the rest are likely the same mistake.",
  };
}
