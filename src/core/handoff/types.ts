/**
 * A handoff: what one session of a stage leaves the next (DESIGN.md §4). Vendor-neutral — the
 * continuation may run another agent. The agent writes the document (`flux handoff create`);
 * Flux adds the facts it knows; when the agent cannot (the backstop), Flux writes both.
 */

/** What the agent writes (or Flux, from git and the transcript, at the backstop). */
export interface Handoff {
  /** Where the stage stands, in a few sentences. */
  summary: string;
  /** Work that is done (and committed). */
  completed: string[];
  /** Work left, each task with at least one `file:line` reference. */
  remaining: { task: string; refs: string[] }[];
  /** Decisions taken, with their reasons, that the next session must not undo. */
  decisions: string[];
  /** Questions nobody answered yet. */
  questions: string[];
}

export type HandoffAuthor = "agent" | "flux";

/**
 * Why the handoff was written: `context` (the agent, told at red), `limit` (Flux: the hard
 * limit), `ignored` (Flux: the agent did not hand off in time), `compact` (the agent asked to
 * compact), `manual` (an agent or a human chose to, below red), `agent_limit` (Flux: the
 * agent ran into a rate or usage limit of its provider).
 */
export const HANDOFF_REASONS = [
  "context",
  "limit",
  "ignored",
  "compact",
  "manual",
  "agent_limit",
] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** What Flux adds from what it knows, whoever wrote the document. */
export interface HandoffFacts {
  /** The session's context when it handed off. */
  context?: { percent: number; tokens: number; window: number } | undefined;
  /** Commits on the stage branch since its base, newest first: "abcd1234 subject". */
  commits: string[];
  /** `git diff --stat` of the branch against its base, its summary line last. */
  diffStat: string;
  /** Files changed and not committed when the session ended (before any WIP commit). */
  uncommittedFiles: string[];
  /** The commit Flux made of those files so that nothing is lost ("abcd1234"). */
  wipCommit?: string | undefined;
  /** The stage's latest acceptance run, if any. */
  acceptance?: { passed: boolean; commit: string; failed?: string | undefined } | undefined;
  /** The agent's last messages (the backstop quotes them), oldest first. */
  lastMessages?: string[] | undefined;
}

export interface HandoffRecord {
  id: number;
  planId: number;
  stageId: string;
  /** 1, 2, 3… per stage: `.work/handoffs/<stage>-handoff-NNN.md`. */
  number: number;
  sessionId: string | null;
  author: HandoffAuthor;
  reason: HandoffReason;
  handoff: Handoff;
  facts: HandoffFacts;
  createdAt: string;
}
