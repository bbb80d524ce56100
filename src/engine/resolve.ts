/**
 * Conflict-resolution sessions. A finished stage whose branch conflicts with the base either
 * blocks for a human (`merge_conflict: human`, the default) or gets a new session that merges
 * the base into its branch, resolves, commits and asks to complete again
 * (`merge_conflict: agent`, or `flux merge <id> --resolve` on a stage blocked by a conflict).
 *
 * The base is never touched here: the session works on the stage's branch, its acceptance runs
 * on its commit, and only a passed commit merges (merge.ts). Each resolution counts as a fix
 * attempt; once `max_fix_attempts` are used up the stage blocks for a human as before.
 *
 * Crash-proof by order: the next session's purpose (`resolve`) is in the store before the
 * `resolve_requested` edge, and the conflict (base, files) is the stage's feedback, written
 * with the edge. A daemon killed before the edge merges again and finds the conflict again; one
 * killed after it finds a ready stage whose next session resolves.
 */
import { commitsBetweenAsync, stageBranch } from "../adapters/git/index.ts";
import { ExitCode, FluxError } from "../core/errors.ts";
import type { Feedback } from "../core/signal/data.ts";
import type { StageRecord } from "../store/store.ts";
import type { EngineContext } from "./context.ts";
import { parseFeedback } from "./signal.ts";

type ConflictFeedback = Extract<Feedback, { kind: "conflict" }>;

/**
 * The branch conflicts with the base in `files`: a resolution session when the stage asks for
 * one and has fix attempts left, else the stage blocks with `humanReason` (what a human does).
 * Returns whether a session resolves it.
 */
export async function conflictFound(
  ctx: EngineContext,
  stageId: string,
  files: readonly string[],
  humanReason: string,
): Promise<boolean> {
  const base = ctx.plan().baseBranch;
  const gained = await commitsBetweenAsync(ctx.paths.root, stageBranch(stageId), base);
  const conflict: ConflictFeedback = {
    kind: "conflict",
    base,
    files: [...files],
    baseCommits: gained.map((c) => `${c.sha.slice(0, 8)} ${c.subject}`),
  };
  // git ran off the event loop: read the stage after it.
  const stage = ctx.stage(stageId);
  const agent = stage.spec.mergeConflict === "agent";
  if (agent && stage.fixAttempts < stage.spec.maxFixAttempts) {
    requestResolution(ctx, stage, conflict, "flux");
    return true;
  }
  const used = agent
    ? ` (${stage.spec.maxFixAttempts} fix attempts used, the agent's conflict resolutions among them)`
    : "";
  // The feedback says what conflicted: `flux merge --resolve` and a resumed session read it.
  ctx.move(stageId, "merge_conflict", `${humanReason}${used}`, {
    feedback: JSON.stringify(conflict),
  });
  return false;
}

/**
 * `flux merge <id> --resolve`: a human asks for a resolution session on a stage blocked by a
 * conflict with the base, whatever its `merge_conflict` says.
 */
export function resolveConflict(ctx: EngineContext, stageId: string): StageRecord {
  const stage = ctx.stage(stageId);
  const conflict = blockedConflict(stage);
  if (conflict === undefined) throw notConflicted(stage);
  // In scope first, like `flux resume`: the session starts even in a run scoped to others.
  ctx.run.include(stageId);
  return requestResolution(ctx, stage, conflict, "human");
}

/** The conflict a blocked stage waits on, if a conflict with the base is what blocked it. */
export function blockedConflict(stage: StageRecord): ConflictFeedback | undefined {
  if (stage.state !== "blocked") return undefined;
  const feedback = parseFeedback(stage.feedback);
  return feedback?.kind === "conflict" ? feedback : undefined;
}

function requestResolution(
  ctx: EngineContext,
  stage: StageRecord,
  conflict: ConflictFeedback,
  by: "flux" | "human",
): StageRecord {
  const feedback: ConflictFeedback = {
    ...conflict,
    attempt: stage.fixAttempts + 1,
    maxAttempts: stage.spec.maxFixAttempts,
  };
  const files = conflict.files.length === 0 ? "" : ` in ${conflict.files.join(", ")}`;
  const asked = by === "human" ? " (asked by a human)" : "";
  // The purpose first: a daemon killed between the two writes merges again, never loses it.
  ctx.run.setPurpose(stage.id, "resolve");
  const after = ctx.move(
    stage.id,
    "resolve_requested",
    `conflicts with ${conflict.base}${files}: a new session resolves it${asked}`,
    { feedback: JSON.stringify(feedback) },
  );
  ctx.log(`${stage.id}: conflicts with ${conflict.base}${files}: a resolution session starts`);
  ctx.wake("resolve");
  return after;
}

function notConflicted(stage: StageRecord): FluxError {
  const why =
    stage.state === "blocked" ? "blocked, but not by a conflict with the base" : stage.state;
  return new FluxError(
    "STAGE_NOT_CONFLICTED",
    `${stage.id} is ${why}: only a stage blocked by a merge conflict gets a resolution session`,
    {
      hint:
        stage.state === "blocked"
          ? `\`flux status\` says what blocked it; \`flux resume ${stage.id}\` starts it again`
          : `\`flux merge ${stage.id}\` merges a finished stage; \`flux status\` shows where it stands`,
      exitCode: ExitCode.refused,
      data: { stageId: stage.id, state: stage.state },
    },
  );
}
