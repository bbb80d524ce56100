/**
 * The rules on `stack: true` (stacked stages, docs/plan-format.md): a stacked stage starts from
 * its one dependency's branch before that branch merges, so it needs exactly one dependency.
 * More than one is an error (which branch would it start from?); none is a warning (it starts
 * from the base like any stage, so the field does nothing). In `defaults:` it is refused: it
 * would silently stack every one-dependency stage and fail every other one.
 */
import type { Data, Report, StageView } from "./validate-view.ts";
import { label } from "./validate-view.ts";

export function checkStack(defaults: Data, stages: StageView[], report: Report): void {
  if (defaults.stack === true) {
    report(
      "PLAN_STACK_DEFAULTS",
      "error",
      "`stack: true` is not allowed in defaults: it is a choice per stage",
      ["defaults", "stack"],
      "Remove it from defaults and set `stack: true` on each stage that should start from its one dependency's branch.",
      "key",
    );
  }
  for (const s of stages) {
    if (s.data.stack !== true) continue;
    const deps = Array.isArray(s.data.dependencies) ? s.data.dependencies : [];
    const distinct = new Set(deps.filter((d) => typeof d === "string"));
    if (distinct.size > 1) {
      report(
        "PLAN_STACK_DEPENDENCIES",
        "error",
        `${label(s)} has \`stack: true\` and ${distinct.size} dependencies: a stacked stage starts from its one dependency's branch`,
        ["stages", s.index, "stack"],
        "Keep one dependency (the branch it builds on), or remove `stack: true` so it starts from the base once all its dependencies have merged.",
        "key",
      );
    } else if (distinct.size === 0) {
      report(
        "PLAN_STACK_NO_DEPS",
        "warning",
        `${label(s)} has \`stack: true\` but no dependency: it starts from the base like any stage`,
        ["stages", s.index, "stack"],
        "Add the one dependency whose branch it builds on, or remove `stack: true`.",
        "key",
      );
    }
  }
}
