/**
 * The feedback text an agent gets after a failed attempt. One formatter serves both places it
 * is read: the answer to `flux stage complete` and the feedback section of the next signal.
 */
import { COMPLETE_COMMAND } from "./data.ts";
import type { FailedCheck, Feedback } from "./data.ts";
import { bullets, codeBlock, codeSpan, commandSpan } from "./markdown.ts";

/** Base commits a conflict's feedback lists; the agent reads the rest with `git log`. */
const MAX_BASE_COMMITS = 10;

/** `complete` is the command this agent finishes with (see completeCommandFor). */
export function formatFeedback(feedback: Feedback, complete: string = COMPLETE_COMMAND): string {
  switch (feedback.kind) {
    case "gate":
      return formatGate(feedback, complete);
    case "conflict":
      return formatConflict(feedback, complete);
    case "acceptance":
      return formatAcceptance(feedback, complete);
  }
}

function formatAcceptance(
  feedback: Extract<Feedback, { kind: "acceptance" }>,
  complete: string,
): string {
  const parts: string[] = [`Acceptance failed${attemptNote(feedback)}.`];
  for (const check of feedback.failed) parts.push(formatCheck(check));
  if (feedback.notRun.length > 0) {
    const list = feedback.notRun.map(commandSpan).join(", ");
    parts.push(`Not run, because an earlier check failed: ${list}.`);
  }
  parts.push(`Fix the cause, commit, and run ${codeSpan(complete)} again.`);
  return parts.join("\n\n");
}

function attemptNote(feedback: { attempt?: number | undefined; maxAttempts?: number | undefined }) {
  if (feedback.attempt === undefined) return "";
  const of = feedback.maxAttempts === undefined ? "" : ` of ${feedback.maxAttempts}`;
  return ` (this is fix attempt ${feedback.attempt}${of})`;
}

function formatCheck(check: FailedCheck): string {
  const head = `${commandSpan(check.command)} failed: ${check.reason}.`;
  if (check.outputTail.trim() === "") return `${head} It printed nothing.`;
  const which = check.outputTruncated === true ? "The end of its output" : "Its output";
  return `${head} ${which} (stdout and stderr):\n\n${codeBlock(check.outputTail, "text")}`;
}

function formatGate(feedback: Extract<Feedback, { kind: "gate" }>, complete: string): string {
  const who = feedback.reviewer === undefined ? "A reviewer" : feedback.reviewer;
  const quoted = feedback.reason
    .trimEnd()
    .split("\n")
    .map((line) => (line === "" ? ">" : `> ${line}`))
    .join("\n");
  return [
    `${who} rejected this stage at its verification gate:`,
    quoted,
    `Address the review, commit, and run ${codeSpan(complete)} again.`,
  ].join("\n\n");
}

/** A resolution session's assignment: the base is never touched; the branch takes the base in. */
function formatConflict(
  feedback: Extract<Feedback, { kind: "conflict" }>,
  complete: string,
): string {
  const base = codeSpan(feedback.base);
  const files = feedback.files.length === 0 ? "" : ` in ${feedback.files.map(codeSpan).join(", ")}`;
  const gained = feedback.baseCommits ?? [];
  const shown = gained.slice(0, MAX_BASE_COMMITS).map((line) => {
    const space = line.indexOf(" ");
    return space === -1 ? codeSpan(line) : `${codeSpan(line.slice(0, space))}${line.slice(space)}`;
  });
  if (gained.length > shown.length) shown.push(`and ${gained.length - shown.length} more`);
  return [
    `Your stage passed its acceptance, but the base branch ${base} has moved on and now conflicts with your branch${files}${attemptNote(feedback)}. Flux has not merged anything: ${base} is untouched until your resolution passes acceptance.`,
    ...(shown.length === 0
      ? []
      : [`What ${base} gained since your branch left it:\n\n${bullets(shown)}`]),
    [
      `1. In this worktree, run ${codeSpan(`git merge ${feedback.base}`)}.`,
      "2. Resolve every conflict, keeping both your stage's work and what the base added.",
      `3. Commit the merge (${codeSpan("git commit -am")} with a message that says what you resolved).`,
      "4. Run the acceptance commands until each passes; commit any fix.",
      `5. Run ${codeSpan(complete)}. Flux checks the acceptance on your commit and merges it.`,
    ].join("\n"),
  ].join("\n\n");
}
