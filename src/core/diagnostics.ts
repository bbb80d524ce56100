/** A problem found in user input (a plan, a config file), located and explained. */
export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Stable code, e.g. PLAN_CYCLE. Documented in docs/plan-format.md. */
  code: string;
  severity: Severity;
  message: string;
  /** File the problem is in, as given by the caller (usually relative to the repo). */
  file: string;
  /** 1-based line and column in that file, when known. */
  line?: number | undefined;
  column?: number | undefined;
  /** What to do about it. */
  hint?: string | undefined;
  /** Path of the offending value inside the metadata, e.g. ["stages", 2, "dependencies", 0]. */
  path?: (string | number)[] | undefined;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** `file:line:col` for a diagnostic, as editors and terminals link it. */
export function location(d: Diagnostic): string {
  if (d.line === undefined) return d.file;
  return d.column === undefined ? `${d.file}:${d.line}` : `${d.file}:${d.line}:${d.column}`;
}
