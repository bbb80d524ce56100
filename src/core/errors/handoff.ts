/** Catalogue: handoffs — a document Flux cannot use, one that is not there, one it cannot read. */
import { FluxError } from "./flux-error.ts";

/** What a refused handoff lacks, each named so the agent can fix all of it in one go. */
export interface HandoffProblems {
  /** Headings of the sections the document lacks (`## Open questions`). */
  missing?: string[] | undefined;
  /** The summary is empty (or "none"). */
  emptySummary?: boolean | undefined;
  /** Remaining tasks without a `file:line` reference. */
  tasksWithoutRefs?: string[] | undefined;
  /** Sections still holding the template's `<…>` placeholders. */
  placeholders?: string[] | undefined;
  /** Anything else, in a few words (invalid JSON, a field of the wrong type). */
  other?: string[] | undefined;
}

function quoted(items: readonly string[]): string {
  return items.map((item) => `"${item.length > 80 ? `${item.slice(0, 77)}…` : item}"`).join(", ");
}

/**
 * A handoff document Flux refuses. The message lists every problem at once; `template` (the
 * skeleton of core/handoff/render.ts, passed in: the catalogue stays free of the renderer) goes
 * into the hint.
 */
export function handoffInvalid(problems: HandoffProblems, template: string): FluxError {
  const parts: string[] = [];
  if (problems.missing !== undefined && problems.missing.length > 0)
    parts.push(
      `missing section${problems.missing.length === 1 ? "" : "s"}: ${problems.missing.join(", ")}`,
    );
  if (problems.emptySummary === true) parts.push("the summary is empty");
  if (problems.placeholders !== undefined && problems.placeholders.length > 0)
    parts.push(`still the template's placeholder text in ${problems.placeholders.join(", ")}`);
  if (problems.tasksWithoutRefs !== undefined && problems.tasksWithoutRefs.length > 0)
    parts.push(
      `remaining task${problems.tasksWithoutRefs.length === 1 ? "" : "s"} without a file:line reference (e.g. \`src/app.ts:42\`): ${quoted(problems.tasksWithoutRefs)}`,
    );
  parts.push(...(problems.other ?? []));
  const indented = template
    .trimEnd()
    .split("\n")
    .map((line) => (line === "" ? "" : `    ${line}`))
    .join("\n");
  return new FluxError("HANDOFF_INVALID", `handoff refused: ${parts.join("; ")}`, {
    hint: `write the five sections in markdown (or a JSON object with the fields summary, completed, remaining [{task, refs}], decisions, questions); "None." for an empty list:\n\n${indented}\n`,
    data: {
      problems: parts,
      ...(problems.missing === undefined ? {} : { missing: problems.missing }),
      ...(problems.tasksWithoutRefs === undefined
        ? {}
        : { tasksWithoutRefs: problems.tasksWithoutRefs }),
    },
  });
}

/**
 * No handoff for a stage (`number` undefined: none at all), or not that number. `known` lists
 * the numbers the stage has.
 */
export function handoffNotFound(
  stageId: string,
  number: number | undefined,
  known: readonly number[],
): FluxError {
  const message =
    number === undefined || known.length === 0
      ? `${stageId} has no handoff yet`
      : `${stageId} has no handoff ${number}`;
  const hint =
    known.length === 0
      ? "a session writes one with `flux handoff create` when its context runs high; Flux writes one when it has to stop a session"
      : `its handoffs: ${known.join(", ")} (\`flux handoff list ${stageId}\`)`;
  return new FluxError("HANDOFF_NOT_FOUND", message, {
    hint,
    data: { stageId, ...(number === undefined ? {} : { number }) },
  });
}

/** The file given with `--file` cannot be read as a document. */
export function handoffUnreadable(file: string, why: string): FluxError {
  return new FluxError("HANDOFF_UNREADABLE", `cannot read the handoff from ${file}: ${why}`, {
    hint: "write the handoff to a file and pass its path with --file, or pipe it with --stdin",
    data: { file },
  });
}
