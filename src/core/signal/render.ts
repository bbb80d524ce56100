/**
 * Signals: the assignment a session starts from, and the agent's first prompt. The template
 * (templates/signal.md, or `signal.md` in the configured prompt_dir) arranges the text; this
 * module turns SignalData into the template's placeholder values. Lists and blocks are
 * rendered here, so a template only decides what goes where.
 *
 * Every value is a string: "" for an absent part, which makes its `{{#name}}` section vanish.
 */
import { formatDuration } from "../plan/duration.ts";
import type { DependencyOutput, Recovery, SignalData } from "./data.ts";
import { COMPLETE_COMMAND, handoffCommandFor } from "./data.ts";
import { formatFeedback } from "./feedback.ts";
import { bullets, codeBlock, codeSpan, indent } from "./markdown.ts";
import { renderSkills } from "./skills.ts";
import { checkNames, parseTemplate, renderTemplate } from "./template.ts";

/** Every placeholder a signal template may use. */
export const SIGNAL_PLACEHOLDERS = [
  "stage_id",
  "stage_name",
  "stage_title",
  "stage_description",
  "stage_files",
  "plan_title",
  "plan_overview",
  "dependencies",
  "acceptance",
  "feedback",
  "recovery",
  "handoff",
  "handoff_command",
  "session_id",
  "worktree",
  "branch",
  "complete_command",
  "skills",
] as const;
export type SignalPlaceholder = (typeof SIGNAL_PLACEHOLDERS)[number];

/**
 * The headings of the default template's parts that change between a stage's sessions, in
 * the order they come; everything before the first is the stable prefix prompt caches reuse.
 */
export const VOLATILE_HEADINGS = [
  "## Continue from the handoff",
  "## Feedback on the previous attempt",
  "## Recovery",
  "## This session",
] as const;

/** The part of a signal (default template) that is the same for every session of a stage. */
export function stablePrefix(signal: string): string {
  const cuts = VOLATILE_HEADINGS.map((h) => signal.indexOf(`\n${h}`)).filter((i) => i >= 0);
  return cuts.length === 0 ? signal : signal.slice(0, Math.min(...cuts));
}

/** Dependency commit lists are cut here: the signal is a prompt, not a log. */
const MAX_DEPENDENCY_COMMITS = 20;

export function renderSignal(template: string, data: SignalData): string {
  return renderTemplate(template, signalValues(data));
}

/** Checks a template without data: syntax and names. Throws SIGNAL_TEMPLATE. */
export function checkSignalTemplate(template: string): void {
  checkNames(parseTemplate(template), new Set<string>(SIGNAL_PLACEHOLDERS));
}

export function signalValues(data: SignalData): Record<SignalPlaceholder, string> {
  return {
    stage_id: data.stage.id,
    stage_name: data.stage.name,
    stage_title: title(data.stage.id, data.stage.name),
    stage_description: data.stage.description.trim(),
    stage_files: bullets(data.stage.files.map(codeSpan)),
    plan_title: data.plan.title,
    plan_overview: data.plan.overview.trim(),
    dependencies: data.dependencies.map(renderDependency).join("\n\n"),
    acceptance: data.acceptance.map(renderCheck).join("\n"),
    feedback:
      data.feedback === undefined
        ? ""
        : formatFeedback(data.feedback, data.session.completeCommand ?? COMPLETE_COMMAND),
    recovery: data.recovery === undefined ? "" : renderRecovery(data.recovery),
    handoff: data.handoff?.trim() ?? "",
    handoff_command: data.session.handoffCommand ?? handoffCommandFor(""),
    session_id: data.session.id,
    worktree: data.session.worktree,
    branch: data.session.branch,
    complete_command: data.session.completeCommand ?? COMPLETE_COMMAND,
    skills: renderSkills(data.skills),
  };
}

/** `HTTP API (\`api\`)`, or just `\`api\`` when the stage has no name of its own. */
function title(id: string, name: string): string {
  return name === id || name.trim() === "" ? codeSpan(id) : `${name} (${codeSpan(id)})`;
}

function renderDependency(dep: DependencyOutput): string {
  const merged =
    dep.mergeCommit === null
      ? "not merged yet: this stage builds on its branch"
      : `merged as ${codeSpan(dep.mergeCommit)}`;
  const lines = [
    `### ${title(dep.id, dep.name)}`,
    "",
    `Branch ${codeSpan(dep.branch)}, ${merged}.`,
  ];
  const shown = dep.commits.slice(0, MAX_DEPENDENCY_COMMITS);
  if (shown.length > 0) {
    const more = dep.commits.length - shown.length;
    lines.push("", bullets(more > 0 ? [...shown, `… and ${more} more`] : shown));
  }
  return lines.join("\n");
}

function renderCheck(check: SignalData["acceptance"][number], index: number): string {
  const terms = [`exit ${check.expectExit}`];
  if (check.stdoutContains !== undefined) {
    terms.push(`stdout contains ${JSON.stringify(check.stdoutContains)}`);
  }
  terms.push(`timeout ${formatDuration(check.timeoutMs)}`);
  const expects = terms.join(", ");
  const text = check.command.trim();
  if (!text.includes("\n")) return `${index + 1}. ${codeSpan(text)} (${expects})`;
  // A multi-line command is shown whole, nested under its list item.
  return `${index + 1}. (${expects})\n\n${indent(codeBlock(text, "sh"), "   ")}`;
}

function renderRecovery(recovery: Recovery): string {
  const of = recovery.maxAttempts === undefined ? "" : ` of ${recovery.maxAttempts}`;
  const parts = [
    `This is attempt ${recovery.attempt}${of}. The previous session ended before the stage ` +
      `was complete. Its work is still here: continue from it rather than starting over, ` +
      `and check the uncommitted files before you keep or discard them.`,
    section("Commits on this branch since its base", bullets(recovery.commits)),
    section("Uncommitted files", bullets(recovery.uncommittedFiles.map(codeSpan))),
  ];
  const output = recovery.lastOutput.join("\n").trimEnd();
  parts.push(
    output === ""
      ? "The previous session left no output."
      : `The last output of the previous session:\n\n${codeBlock(output, "text")}`,
  );
  return parts.join("\n\n");
}

function section(title: string, list: string): string {
  return list === "" ? `${title}: none.` : `${title}:\n\n${list}`;
}
