/**
 * A handoff as markdown, for people (`.work/handoffs/`, `flux handoff show`) and for the signal
 * of the session that continues from it: the title, who wrote it and why, the agent's five
 * sections, then what Flux adds from git and the session. Deterministic: everything comes from
 * the record, nothing from a clock. `parseHandoff` reads the five sections back (the rest is
 * left out), so a rendered handoff is also a valid document.
 */
import { codeBlock, codeSpan } from "../signal/markdown.ts";
import type { HandoffFacts, HandoffReason, HandoffRecord } from "./types.ts";

export type RenderableHandoff = Pick<
  HandoffRecord,
  "stageId" | "number" | "author" | "reason" | "handoff" | "facts" | "createdAt" | "sessionId"
>;

/** 7 → "007": the number as file names and titles show it. */
export function handoffNumber(number: number): string {
  return String(number).padStart(3, "0");
}

/** `stage-1-handoff-001.md`: the file of a handoff under `.work/handoffs/`. */
export function handoffFileName(stageId: string, number: number): string {
  return `${stageId}-handoff-${handoffNumber(number)}.md`;
}

const WHY: Record<HandoffReason, string> = {
  context: "the session's context ran high",
  limit: "the session's context crossed the hard limit, so Flux stopped it",
  ignored: "the agent was told to hand off and did not in time, so Flux stopped it",
  compact: "the agent asked to compact its conversation",
  manual: "the session chose to hand off",
  agent_limit: "the agent ran into a rate or usage limit, so Flux handed the stage on",
};

/** `2026-01-02T03:04:05.000Z` → `2026-01-02 03:04 UTC`; anything else as it is. */
function when(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})[\d:.]*Z$/.exec(iso);
  return match === null ? iso : `${match[1]} ${match[2]} UTC`;
}

/** 152000 → "152,000", without the locale machinery. */
function thousands(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** One list item; the lines of a multi-line item stay inside it. */
function item(text: string): string {
  return `- ${text.trim().replace(/\n/g, "\n  ")}`;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? "None." : items.map(item).join("\n");
}

function remaining(tasks: RenderableHandoff["handoff"]["remaining"]): string {
  if (tasks.length === 0) return "None.";
  return tasks
    .map(({ task, refs }) => {
      const unnamed = refs.filter((ref) => !task.includes(ref));
      return item(
        unnamed.length === 0 ? task : `${task.trim()} (${unnamed.map(codeSpan).join(", ")})`,
      );
    })
    .join("\n");
}

/** What Flux knows, each part only when it has something to say. */
function facts(f: HandoffFacts): string[] {
  const parts: string[] = [];
  const lines: string[] = [];
  if (f.context !== undefined)
    lines.push(
      `- Context when it handed off: ${f.context.percent}% (${thousands(f.context.tokens)} of ${thousands(f.context.window)} tokens).`,
    );
  if (f.acceptance !== undefined)
    lines.push(
      f.acceptance.passed
        ? `- Last acceptance run: passed on ${codeSpan(f.acceptance.commit)}.`
        : `- Last acceptance run: failed on ${codeSpan(f.acceptance.commit)}${f.acceptance.failed === undefined ? "" : `: ${f.acceptance.failed}`}.`,
    );
  if (f.wipCommit !== undefined)
    lines.push(
      `- Flux committed the files the session left uncommitted as ${codeSpan(f.wipCommit)}: check that work before building on it.`,
    );
  if (lines.length > 0) parts.push(lines.join("\n"));
  if (f.uncommittedFiles.length > 0)
    parts.push(
      `Files left uncommitted when the session ended:\n\n${f.uncommittedFiles.map((file) => `- ${codeSpan(file)}`).join("\n")}`,
    );
  if (f.commits.length > 0)
    parts.push(
      `Commits on the branch since its base, newest first:\n\n${f.commits.map(item).join("\n")}`,
    );
  if (f.diffStat.trim() !== "")
    parts.push(`The branch against its base:\n\n${codeBlock(f.diffStat.trimEnd(), "text")}`);
  const messages = (f.lastMessages ?? []).filter((m) => m.trim() !== "");
  if (messages.length > 0)
    parts.push(
      `The agent's last messages, oldest first:\n\n${messages
        .map((m) =>
          m
            .trimEnd()
            .split("\n")
            .map((line) => (line === "" ? ">" : `> ${line}`))
            .join("\n"),
        )
        .join("\n\n")}`,
    );
  return parts;
}

/** The handoff as markdown, ending with a newline. */
export function renderHandoff(record: RenderableHandoff): string {
  const { handoff } = record;
  const by = record.author === "agent" ? "the agent" : "Flux";
  const session = record.sessionId === null ? "" : ` of session ${codeSpan(record.sessionId)}`;
  const blocks = [
    `# Handoff ${handoffNumber(record.number)}: ${record.stageId}`,
    `Written by ${by}${record.author === "flux" && session !== "" ? ` for the work${session}` : session} on ${when(record.createdAt)}: ${WHY[record.reason]}.`,
    "## Summary",
    handoff.summary.trim(),
    "## Completed",
    list(handoff.completed),
    "## Remaining",
    remaining(handoff.remaining),
    "## Decisions",
    list(handoff.decisions),
    "## Open questions",
    list(handoff.questions),
  ];
  const added = facts(record.facts);
  if (added.length > 0) blocks.push("## Where things stand (from Flux)", ...added);
  return `${blocks.join("\n\n")}\n`;
}

/**
 * The skeleton an agent fills in (`flux handoff create` reads it back): five sections, the
 * `<…>` placeholders replaced, "None." for an empty list.
 */
export function handoffTemplate(): string {
  return `# Handoff

## Summary

<Where the stage stands, in a few sentences: what works, what does not yet, what you were doing.>

## Completed

- <Work that is done and committed.>

## Remaining

- <A task that is left, and where: \`src/app.ts:42\` or \`src/app.ts:40-60\` (each task needs one).>

## Decisions

- <A decision the next session must keep, and why.>

## Open questions

- <A question nobody has answered yet.>
`;
}
