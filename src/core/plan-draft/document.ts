/**
 * The plan document inside an agent's answer, the name a goal gives its plan, and the
 * diagnostics as the agent reads them back. Pure.
 */
import type { Diagnostic } from "../diagnostics.ts";
import { location } from "../diagnostics.ts";

const MARKER = /<!--\s*FLUX METADATA/;
const END_MARKER = /<!--\s*END FLUX METADATA\s*-->/;
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w-]*)\s*$/;

/**
 * The plan document an agent answered: the answer itself, or the markdown fence holding it
 * when the agent wrapped it in one. Chatter before the title (`Here is the plan:`) and after
 * the END marker is dropped. An answer without a metadata marker comes back trimmed, as it is:
 * validating it says what is missing (PLAN_NO_METADATA).
 */
export function extractPlanDocument(answer: string): string {
  const lines = answer.replace(/\r\n/g, "\n").split("\n");
  const fenced = markdownFenceWithMarker(lines);
  const body = fenced ?? lines;
  const markerAt = body.findIndex((line) => MARKER.test(line) && !END_MARKER.test(line));
  if (markerAt === -1) return `${body.join("\n").trim()}\n`;
  const titleAt = body.findIndex((line, i) => i < markerAt && /^# /.test(line));
  const endAt = body.findIndex((line, i) => i > markerAt && END_MARKER.test(line));
  const doc = body.slice(titleAt === -1 ? 0 : titleAt, endAt === -1 ? undefined : endAt + 1);
  return `${doc.join("\n").trim()}\n`;
}

/** The content of the first `markdown`/`md` (or bare) fence that holds a metadata marker. */
function markdownFenceWithMarker(lines: readonly string[]): string[] | undefined {
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (open === null) continue;
    const [, fence = "", info = ""] = open;
    const wraps = info === "" || info === "markdown" || info === "md";
    // Inner fences (```yaml … ```) nest inside a wrapper whose own fence is no longer than theirs.
    let depth = 0;
    let close = -1;
    for (let j = i + 1; j < lines.length; j++) {
      const m = FENCE.exec(lines[j] ?? "");
      if (m === null || m[1]?.[0] !== fence[0] || (m[1]?.length ?? 0) < fence.length) continue;
      if (m[2] !== "") depth++;
      else if (depth > 0) depth--;
      else {
        close = j;
        break;
      }
    }
    const end = close === -1 ? lines.length : close;
    const content = lines.slice(i + 1, end);
    if (wraps && content.some((line) => MARKER.test(line))) return content;
    if (close === -1) return undefined;
    i = close;
  }
  return undefined;
}

/** Plan names follow the stage id rule, with room for a suffix (`flux plan new`'s limit). */
export const PLAN_NAME_MAX = 41;

/** Words a plan's name can do without. */
const FILLER = new Set(["a", "an", "the", "to", "of", "for", "and", "with", "in", "on", "into"]);
const NAME_WORDS = 5;

/**
 * A plan name from its goal: its first five words that say something, lowercase, dashed —
 * `"Add JWT login to the API!"` → `add-jwt-login-api`; `draft` when nothing is left.
 */
export function planNameFromGoal(goal: string): string {
  const all = goal
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
  const meaningful = all.filter((w) => !FILLER.has(w));
  const words = (meaningful.length > 0 ? meaningful : all).slice(0, NAME_WORDS);
  let name = "";
  for (const word of words) {
    const next = name === "" ? word : `${name}-${word}`;
    if (next.length > PLAN_NAME_MAX) break;
    name = next;
  }
  if (name === "" && words[0] !== undefined) name = words[0].slice(0, PLAN_NAME_MAX);
  return name === "" ? "draft" : name;
}

/** Diagnostics as a list the agent can work through: `file:line:col: error[CODE]: message`. */
export function formatDiagnosticsForAgent(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const head = `- ${location(d)}: ${d.severity}[${d.code}]: ${d.message}`;
      return d.hint === undefined ? head : `${head}\n  hint: ${d.hint}`;
    })
    .join("\n");
}

/** "2 errors and 1 warning". */
export function countDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return warnings === 0
    ? plural(errors, "error")
    : `${plural(errors, "error")} and ${plural(warnings, "warning")}`;
}
