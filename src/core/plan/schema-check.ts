/**
 * Checks against the zod schema, worded for someone editing YAML: type errors become
 * PLAN_SCHEMA diagnostics that name the field, the allowed values and the value found, and
 * keys the schema does not know become PLAN_UNKNOWN_KEY warnings with a "did you mean".
 */
import type { z } from "zod";
import type { Diagnostic } from "../diagnostics.ts";
import {
  AcceptanceCheck,
  Budget,
  ContextSettings,
  GroupSettings,
  PlanMetadata,
  StageSettings,
  StageSpec,
} from "./schema.ts";
import { closest, didYouMean } from "./suggest.ts";
import type { Locate, Path, Position } from "./validate.ts";
import { quote } from "./work.ts";
import { isRecord } from "./validate.ts";

type Data = Record<string, unknown>;
type Issue = z.core.$ZodIssue;

const kinds: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === "number") value = value[segment];
    else if (isRecord(value)) value = value[String(segment)];
    else return undefined;
  }
  return value;
}

function show(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (isRecord(value)) return "a mapping";
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** `stage "api": acceptance[0].command`, or `defaults.merge`: how a user finds the value. */
function fieldName(path: Path, flux: Data): string {
  let rest = path;
  let prefix = "";
  if (path[0] === "stages" && typeof path[1] === "number" && path.length > 2) {
    const id = valueAt(flux, ["stages", path[1], "id"]);
    prefix = typeof id === "string" ? `stage "${id}": ` : `stage #${path[1] + 1}: `;
    rest = path.slice(2);
  }
  const name = rest
    .map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join("");
  return `${prefix}\`${name}\``;
}

/** One PLAN_SCHEMA diagnostic per zod issue, worded for someone editing YAML. */
export function schemaDiagnostics(
  issues: readonly Issue[],
  base: Path,
  flux: Data,
  file: string,
  locate: Locate,
): Diagnostic[] {
  return issues.flatMap((issue): Diagnostic[] => {
    const path = [...base, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
    const value = valueAt(flux, path);
    if (issue.code === "invalid_union") {
      // Report from the alternative that fits the value's kind (a string, or a check mapping).
      const fitting = issue.errors.find(
        (branch) => !branch.some((e) => e.path.length === 0 && e.code === "invalid_type"),
      );
      if (fitting !== undefined) return schemaDiagnostics(fitting, path, flux, file, locate);
    }
    const field = fieldName(path, flux);
    const key = String(path.findLast((s) => typeof s === "string") ?? "value");
    let message = `${field}: ${issue.message}`;
    let hint = "See docs/plan-format.md for the fields and their types.";
    switch (issue.code) {
      case "invalid_type":
        if (value === undefined) {
          message = `${field} is required`;
          hint = `Add ${key}: with ${kinds[issue.expected] ?? issue.expected}.`;
          break;
        }
        message = `${field} must be ${kinds[issue.expected] ?? issue.expected} (got ${show(value)})`;
        if (value === null) {
          hint = `Write a value after \`${key}:\`, or remove the key.`;
        } else if (issue.expected === "string" && !isRecord(value) && !Array.isArray(value)) {
          hint = `Quote it: ${key}: "${show(value).replace(/^"|"$/g, "")}"`;
        } else if (issue.expected === "array") {
          hint = `Write a list: ${key}: [${typeof value === "string" ? value : "…"}], or one "- item" per line.`;
        } else if (issue.expected === "object" || issue.expected === "record") {
          hint = "Write a mapping: one `key: value` per line, indented under it.";
        } else if (
          issue.expected === "number" ||
          issue.expected === "int" ||
          issue.expected === "boolean"
        ) {
          hint = `Write ${kinds[issue.expected] ?? issue.expected} without quotes.`;
        }
        break;
      case "invalid_value": {
        const allowed = issue.values.map((v) => String(v)).join(", ");
        message = `${field} must be ${issue.values.length === 1 ? allowed : `one of ${allowed}`} (got ${show(value)})`;
        hint = `Use one of: ${allowed}.${typeof value === "string" ? didYouMean(value, issue.values.map(String)) : ""}`;
        break;
      }
      case "too_small":
        message =
          issue.origin === "string"
            ? `${field} must not be empty`
            : `${field} must be ${issue.inclusive ? "at least" : "more than"} ${String(issue.minimum)} (got ${show(value)})`;
        hint =
          issue.origin === "string" ? "Write a value or remove the key." : "Use a larger value.";
        break;
      case "too_big":
        message = `${field} must be ${issue.inclusive ? "at most" : "less than"} ${String(issue.maximum)} (got ${show(value)})`;
        hint = "Use a smaller value.";
        break;
      case "invalid_union":
        // No alternative fits the value's kind. The schema's one union is an acceptance entry.
        if (path.includes("acceptance")) {
          message = `${field} must be a shell command or a mapping with \`command\` (got ${show(value)})`;
          hint =
            'Write "npm test", or command: "npm test" with timeout, expect_exit, stdout_contains.';
        }
        break;
      case "custom":
        // The schema's one refinement is Duration; its message already says what a duration is.
        message = `${field} is ${issue.message} (got ${show(value)})`;
        if (issue.message.includes("duration")) {
          hint = "Write a number followed by a unit (ms, s, m, h, d), e.g. 90s, 30m, 2h, 1h30m.";
        }
        break;
    }
    const at = locate(path);
    return [
      {
        code: "PLAN_SCHEMA",
        severity: "error",
        message,
        file,
        line: at?.line,
        column: at?.column,
        hint,
        path,
      },
    ];
  });
}

const keysOf = (schema: { shape: object }): string[] => Object.keys(schema.shape);
const known = {
  flux: keysOf(PlanMetadata),
  defaults: keysOf(StageSettings),
  stage: keysOf(StageSpec),
  check: keysOf(AcceptanceCheck),
  context: keysOf(ContextSettings),
  budget: keysOf(Budget),
  group: keysOf(GroupSettings),
};

/**
 * Keys the schema does not know, at every level. They are warnings, not errors: the plan still
 * runs, but a misspelt key (`dependecies`) silently does nothing, which is worth saying.
 */
export function checkUnknownKeys(
  root: Data,
  file: string,
  position: (path: Path, target: "key") => Position | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (data: unknown, allowed: string[], path: Path, where: string): void => {
    if (!isRecord(data)) return;
    for (const key of Object.keys(data)) {
      if (allowed.includes(key)) continue;
      const stageOnly = path[1] === "defaults" && known.stage.includes(key);
      const match = closest(key, allowed);
      const guess = match === undefined ? "" : ` Did you mean "${match}"?`;
      const name = key.length > 80 ? quote(key) : `\`${key}\``;
      const at = position([...path, key], "key");
      out.push({
        code: "PLAN_UNKNOWN_KEY",
        severity: "warning",
        message: stageOnly
          ? `\`${key}\` can only be set on a stage, not in defaults`
          : `unknown key ${name} in ${where}; Flux ignores it.${guess}`,
        file,
        line: at?.line,
        column: at?.column,
        hint: stageOnly
          ? `Move \`${key}\` to the stages that need it.`
          : match === undefined
            ? `Known keys here: ${allowed.join(", ")}.`
            : `Rename \`${key}\` to \`${match}\`.`,
        path: path[0] === "flux" ? [...path.slice(1), key] : undefined,
      });
    }
  };
  const settings = (data: unknown, allowed: string[], path: Path, where: string): void => {
    check(data, allowed, path, where);
    if (!isRecord(data)) return;
    if (Array.isArray(data.acceptance)) {
      data.acceptance.forEach((entry, i) =>
        check(entry, known.check, [...path, "acceptance", i], `an acceptance check of ${where}`),
      );
    }
    check(data.context, known.context, [...path, "context"], `context of ${where}`);
    check(data.budget, known.budget, [...path, "budget"], `budget of ${where}`);
  };

  check(root, ["flux"], [], "the metadata (only `flux:` belongs at the top)");
  const flux = root.flux;
  if (!isRecord(flux)) return out;
  check(flux, known.flux, ["flux"], "`flux:`");
  settings(flux.defaults, known.defaults, ["flux", "defaults"], "defaults");
  if (Array.isArray(flux.stages)) {
    flux.stages.forEach((stage, i) => {
      const id =
        isRecord(stage) && typeof stage.id === "string" ? `stage "${stage.id}"` : `stage #${i + 1}`;
      settings(stage, known.stage, ["flux", "stages", i], id);
    });
  }
  if (isRecord(flux.groups)) {
    for (const [name, group] of Object.entries(flux.groups))
      check(group, known.group, ["flux", "groups", name], `group "${name}"`);
  }
  return out;
}
