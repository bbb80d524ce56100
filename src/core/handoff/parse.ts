/**
 * `parseHandoff(text)`: the document an agent gives `flux handoff create`, as markdown with the
 * five sections of the template (render.ts `handoffTemplate`) or as a JSON object of the same
 * fields. Refusals are one HANDOFF_INVALID naming everything wrong at once — every missing
 * section, an empty summary, each remaining task without a `file:line` reference — with the
 * template in the hint, so the agent fixes it in one more try.
 *
 * Markdown is read leniently where it costs nothing: CRLF, any heading level for the five
 * names, a trailing colon, `-`, `*`, `+` or numbered items, "None." for an empty list, a `#`
 * title and any other section (Flux's own facts included) left out.
 */
import { handoffInvalid } from "../errors.ts";
import type { HandoffProblems } from "../errors.ts";
import { handoffTemplate } from "./render.ts";
import { Handoff as HandoffSchema } from "./schema.ts";
import type { Handoff } from "./types.ts";

type SectionKey = "summary" | "completed" | "remaining" | "decisions" | "questions";

/** The sections in order, with the heading they are asked for under. */
export const HANDOFF_SECTIONS: readonly { key: SectionKey; heading: string }[] = [
  { key: "summary", heading: "Summary" },
  { key: "completed", heading: "Completed" },
  { key: "remaining", heading: "Remaining" },
  { key: "decisions", heading: "Decisions" },
  { key: "questions", heading: "Open questions" },
];

/** Heading text (lower case, no trailing colon) → section. */
const SECTION_NAMES: Record<string, SectionKey> = {
  summary: "summary",
  completed: "completed",
  remaining: "remaining",
  decisions: "decisions",
  "open questions": "questions",
  questions: "questions",
};

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ITEM = /^( *)(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const EMPTY_WORDS = new Set(["none", "nothing", "n/a", "-"]);

/**
 * `path:line` and `path:line-line` in free text, in backticks or not. The path needs a slash or
 * an extension (`src/a.ts`, `README.md`), so "10:30" or "localhost:3000" are not references;
 * a path right after `:` or `/` (a URL's host and port) is not one either. One character class
 * and no nesting: linear on any input.
 */
const REF_CANDIDATE = /(?<![\w./@+~:-])([\w./@+~-]+):(\d+(?:-\d+)?)(?!\d)/g;

function isPathLike(path: string): boolean {
  return !path.startsWith("//") && (path.includes("/") || /\.[A-Za-z]/.test(path));
}

/** The `file:line` references in a text, each once, in order. */
export function refsIn(text: string): string[] {
  const refs: string[] = [];
  for (const match of text.matchAll(REF_CANDIDATE)) {
    const [, path = "", lines = ""] = match;
    const ref = `${path}:${lines}`;
    if (isPathLike(path) && !refs.includes(ref)) refs.push(ref);
  }
  return refs;
}

/** Parses a handoff document (markdown or JSON); throws HANDOFF_INVALID when it cannot be used. */
export function parseHandoff(text: string): Handoff {
  const source = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (source.trim() === "")
    throw handoffInvalid({ other: ["the document is empty"] }, handoffTemplate());
  return source.trimStart().startsWith("{") ? fromJson(source) : fromMarkdown(source);
}

function fromJson(source: string): Handoff {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    throw handoffInvalid(
      { other: [`it starts like JSON but is not valid JSON (${(error as Error).message})`] },
      handoffTemplate(),
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw handoffInvalid({ other: ["the JSON is not an object"] }, handoffTemplate());
  const fields = value as Record<string, unknown>;
  const missing = HANDOFF_SECTIONS.filter((s) => !Object.hasOwn(fields, s.key)).map(
    (s) => `"${s.key}"`,
  );
  // Remaining tasks may name their references in the text, as in markdown.
  const remaining = Array.isArray(fields.remaining)
    ? fields.remaining.map((item: unknown) => {
        if (typeof item === "string") return { task: item, refs: refsIn(item) };
        if (typeof item !== "object" || item === null) return item;
        const { task, refs } = item as { task?: unknown; refs?: unknown };
        if (typeof task !== "string" || (refs !== undefined && !Array.isArray(refs))) return item;
        const given = (refs ?? []) as unknown[];
        const found = refsIn(task).filter((ref) => !given.includes(ref));
        return { ...item, task, refs: [...given, ...found] };
      })
    : fields.remaining;
  // Only the five fields are read: anything else (a title, a stage id) is left out.
  const known = Object.fromEntries(
    HANDOFF_SECTIONS.filter((s) => Object.hasOwn(fields, s.key)).map((s) => [s.key, fields[s.key]]),
  );
  const parsed = HandoffSchema.safeParse(
    Object.hasOwn(known, "remaining") ? { ...known, remaining } : known,
  );
  if (missing.length > 0 || !parsed.success) {
    const other = parsed.success
      ? []
      : parsed.error.issues
          .filter((issue) => !(issue.path.length === 1 && !Object.hasOwn(fields, issue.path[0]!)))
          .filter((issue) => issue.message !== "the summary is empty")
          .map((issue) => `${issue.path.map(String).join(".") || "the object"}: ${issue.message}`);
    const summary = fields.summary;
    throw handoffInvalid(
      {
        missing: missing.length === 0 ? undefined : missing.map((m) => `field ${m}`),
        emptySummary: typeof summary === "string" && summary.trim() === "",
        other,
      },
      handoffTemplate(),
    );
  }
  return check(parsed.data, {});
}

interface Section {
  key: SectionKey | undefined;
  lines: string[];
}

/** Splits the document at its headings; text inside code fences is never a heading. */
function sections(source: string): Section[] {
  const out: Section[] = [{ key: undefined, lines: [] }];
  let fence: string | undefined;
  for (const line of source.split("\n")) {
    const current = out.at(-1)!;
    const fenceMark = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (fenceMark !== undefined && fenceMark[0] === fence[0] && fenceMark.length >= fence.length)
        fence = undefined;
      current.lines.push(line);
      continue;
    }
    if (fenceMark !== undefined) {
      fence = fenceMark;
      current.lines.push(line);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading !== null) {
      const level = heading[1]!.length;
      const key = SECTION_NAMES[normaliseHeading(heading[2] ?? "")];
      if (key !== undefined) {
        out.push({ key, lines: [] });
        continue;
      }
      // Another section (Flux's facts, the agent's own notes) is kept out; a title (`#`) or a
      // sub-heading inside one of the five is skipped.
      if (level === 2) out.push({ key: undefined, lines: [] });
      continue;
    }
    current.lines.push(line);
  }
  return out;
}

function normaliseHeading(text: string): string {
  return text
    .replace(/^[*_]+|[*_]+$/g, "")
    .replace(/:\s*$/, "")
    .replace(/[*_]+$/g, "")
    .trim()
    .replace(/\s+/g, " ")
    .toLowerCase();
}

/** List items of a section; paragraphs outside a list count as one item each. */
function items(lines: readonly string[]): string[] {
  const out: string[] = [];
  let current: string[] | undefined;
  let blank = false;
  /** The indentation of the list's own items: deeper ones are nested in the item above. */
  let base: number | undefined;
  const flush = () => {
    if (current !== undefined) out.push(current.join(" ").trim());
    current = undefined;
  };
  for (const line of lines) {
    if (line.trim() === "") {
      blank = true;
      continue;
    }
    const item = ITEM.exec(line);
    const depth = item === null ? 0 : (item[1] ?? "").length;
    const topLevel = item !== null && depth <= Math.min(3, (base ?? depth) + 1);
    if (topLevel) {
      base ??= depth;
      flush();
      current = [item[2] ?? ""];
    } else if (current !== undefined && (!blank || /^\s/.test(line))) {
      // A continuation line, a nested item or an indented paragraph belongs to the item.
      current.push((item?.[2] ?? line).trim());
    } else {
      flush();
      current = [line.trim()];
    }
    blank = false;
  }
  flush();
  const kept = out.filter((item) => item !== "");
  return kept.length === 1 && isNone(kept[0] ?? "") ? [] : kept;
}

function isNone(text: string): boolean {
  return EMPTY_WORDS.has(
    text
      .replace(/[*_`.!]+/g, "")
      .trim()
      .toLowerCase(),
  );
}

function isPlaceholder(text: string): boolean {
  return /^<[^<>]*>\.?$/.test(text.trim());
}

function fromMarkdown(source: string): Handoff {
  const found = new Map<SectionKey, string[]>();
  for (const section of sections(source)) {
    if (section.key === undefined) continue;
    found.set(section.key, [...(found.get(section.key) ?? []), ...section.lines]);
  }
  const missing = HANDOFF_SECTIONS.filter((s) => !found.has(s.key)).map((s) => `## ${s.heading}`);
  const summaryText = (found.get("summary") ?? [])
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  const summary = isNone(summaryText) ? "" : summaryText;
  const list = (key: SectionKey) => items(found.get(key) ?? []);
  const handoff: Handoff = {
    summary,
    completed: list("completed"),
    remaining: list("remaining").map((task) => splitTask(task)),
    decisions: list("decisions"),
    questions: list("questions"),
  };
  return check(handoff, {
    missing: missing.length === 0 ? undefined : missing,
    emptySummary: found.has("summary") && summary === "",
  });
}

/**
 * An item's text and its references. A trailing group of references only, as render.ts writes
 * them (`Finish the parser (\`src/a.ts:12\`)`), is taken off the task's text.
 */
function splitTask(text: string): { task: string; refs: string[] } {
  const open = text.lastIndexOf("(");
  if (text.endsWith(")") && open > 0) {
    const task = text.slice(0, open).trim();
    const parts = text
      .slice(open + 1, -1)
      .split(",")
      .map((p) => p.trim().replace(/^`|`$/g, ""));
    if (task !== "" && parts.every((p) => p !== "" && refsIn(p)[0] === p)) {
      const inText = refsIn(task);
      return { task, refs: [...inText, ...parts.filter((p) => !inText.includes(p))] };
    }
  }
  return { task: text, refs: refsIn(text) };
}

/** The checks both forms share: references, placeholders; throws with every problem found. */
function check(handoff: Handoff, problems: HandoffProblems): Handoff {
  const tasksWithoutRefs = handoff.remaining.filter((r) => r.refs.length === 0).map((r) => r.task);
  const placeholders = HANDOFF_SECTIONS.filter(({ key }) => {
    const value = handoff[key];
    if (typeof value === "string") return isPlaceholder(value);
    return value.some((item) => isPlaceholder(typeof item === "string" ? item : item.task));
  }).map((s) => `## ${s.heading}`);
  const all: HandoffProblems = {
    ...problems,
    emptySummary: problems.emptySummary === true || handoff.summary.trim() === "",
    tasksWithoutRefs: tasksWithoutRefs.filter((task) => !isPlaceholder(task)),
    placeholders,
  };
  const refused =
    (all.missing?.length ?? 0) > 0 ||
    all.emptySummary === true ||
    (all.tasksWithoutRefs?.length ?? 0) > 0 ||
    placeholders.length > 0 ||
    (all.other?.length ?? 0) > 0;
  if (refused) {
    // A missing summary is named once, as missing.
    if (all.missing?.includes("## Summary") === true) all.emptySummary = false;
    throw handoffInvalid(all, handoffTemplate());
  }
  return handoff;
}
