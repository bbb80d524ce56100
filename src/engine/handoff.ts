/**
 * Handoffs (DESIGN.md §4): a session that ran its context high hands its stage to a fresh one.
 *
 * - The agent writes it (`flux handoff create`, told at red): stored with what Flux knows, the
 *   stage moves `running → needs_handoff` in the same transaction, and the session ends.
 * - Flux writes it (the backstop: the hard limit, or an agent that did not hand off in time):
 *   the stage moved to `needs_handoff` first and the session was stopped (context-report.ts),
 *   or the session ended on a rate or usage limit (limits.ts);
 *   once it has ended, Flux commits what it left uncommitted and writes the handoff from the
 *   commits, the diff and the agent's last messages.
 *
 * Either way the scheduling pass then starts the continuation (`needs_handoff → running`),
 * whose signal embeds the latest handoff. Every step is recorded before the next one starts,
 * so a daemon killed anywhere finds the stage in `needs_handoff` and finishes what is left:
 * the handoff of the stage's last session exists or is written, then the session starts.
 */
import { ExitCode, FluxError } from "../core/errors.ts";
import type { Handoff, HandoffReason, HandoffRecord } from "../core/handoff/types.ts";
import type { HandoffFacts } from "../core/handoff/types.ts";
import { insertHandoff, latestHandoff, listHandoffs } from "../store/handoffs.ts";
import type { SessionRecord } from "../store/sessions.ts";
import { getSession, latestSession } from "../store/sessions.ts";
import { isLimitKind } from "../core/limits/policy.ts";
import type { EngineContext } from "./context.ts";
import { handoffFacts } from "./handoff-facts.ts";
import { endSession } from "./lifecycle.ts";
import { startSession } from "./start.ts";

/** A session that handed off has this long to end its turn and exit before Flux ends it. */
export const HANDOFF_EXIT_MS = 3_000;

export async function createHandoff(
  ctx: EngineContext,
  stageId: string,
  input: { handoff: Handoff; sessionId?: string | undefined },
): Promise<HandoffRecord> {
  const plan = ctx.plan();
  const stage = ctx.stage(stageId);
  const session =
    input.sessionId === undefined
      ? latestSession(ctx.store, plan.id, stageId)
      : getSession(ctx.store, input.sessionId);
  refuseUnlessRunning(stage.state, stageId, session);
  const live = session as SessionRecord;
  const facts = await handoffFacts(ctx, live, { wip: false });
  // The git ran off the event loop: the stage may have moved meanwhile.
  const now = ctx.stage(stageId);
  const current = getSession(ctx.store, live.id) ?? live;
  refuseUnlessRunning(now.state, stageId, current);
  const reason: HandoffReason = current.compactBlocked
    ? "compact"
    : current.handoffAskedAt !== null
      ? "context"
      : "manual";
  const { result: record } = ctx.store.write((emit) => {
    const record = insertHandoff(ctx.store, emit, {
      planId: plan.id,
      stageId,
      sessionId: live.id,
      author: "agent",
      reason,
      handoff: input.handoff,
      facts,
    });
    if (now.state === "running") {
      ctx.store.transitionWithin(emit, plan.id, stageId, "handoff_requested", {
        reason: `the agent wrote handoff ${record.number}: a fresh session continues from it`,
        actor: "flux",
      });
    }
    return record;
  });
  ctx.project();
  ctx.log(`${live.id} (${stageId}) handed off: handoff ${record.number}`);
  ctx.wake("handoff");
  return record;
}

/**
 * A stage can take a handoff while its session runs; in `needs_handoff` too, when Flux is
 * about to write one for the same session (the agent's own is better) — not a second one.
 */
function refuseUnlessRunning(
  state: string,
  stageId: string,
  session: SessionRecord | undefined,
): void {
  if (session === undefined || session.stageId !== stageId || session.endedAt !== null) {
    throw new FluxError("HANDOFF_REFUSED", `${stageId} has no live session to hand off`, {
      hint: "a handoff is written by the session working on the stage, before it ends",
      exitCode: ExitCode.refused,
    });
  }
  if (state !== "running" && state !== "needs_handoff") {
    throw new FluxError(
      "HANDOFF_REFUSED",
      `${stageId} is ${state}: only a running stage hands off`,
      {
        hint:
          state === "checking"
            ? "its acceptance runs now; wait for the verdict"
            : "`flux status` shows where the stage stands",
        exitCode: ExitCode.refused,
      },
    );
  }
}

/**
 * The scheduling pass found `stageId` in `needs_handoff`. Its session still open: if the agent
 * wrote its handoff, it has HANDOFF_EXIT_MS to finish its turn and exit (Claude's gate tells
 * it to stop), then Flux ends it; otherwise Flux is handing off for it and ends it now. Once
 * the session has ended, the continuation task starts (its end wakes the engine), unless the
 * flow is paused (`mayContinue`).
 */
export function handOn(ctx: EngineContext, stageId: string, mayContinue = true): void {
  const plan = ctx.plan();
  const latest = latestSession(ctx.store, plan.id, stageId);
  if (latest !== undefined && latest.endedAt === null) {
    if (ctx.sessions.busy(latest.id) || ctx.sessions.timer(latest.id) === "handoff-exit") return;
    if (latestHandoff(ctx.store, plan.id, stageId)?.sessionId !== latest.id) {
      endSession(ctx, latest, "Flux hands off for it");
      return;
    }
    ctx.sessions.arm(latest.id, "handoff-exit", HANDOFF_EXIT_MS, () => {
      const session = getSession(ctx.store, latest.id);
      if (session !== undefined && session.endedAt === null)
        endSession(ctx, session, "it handed off and did not exit");
    });
    return;
  }
  if (!ctx.run.requested || !ctx.run.has(stageId) || !mayContinue) return;
  // A "start" task: a completion request from the new session's agent queues behind it.
  ctx.tasks.spawn(
    stageId,
    "start",
    () => continueStage(ctx, stageId, latest),
    (error) => {
      ctx.log(`continuing ${stageId} from its handoff failed: ${String(error)}`);
      if (ctx.store.stage(plan.id, stageId)?.state === "needs_handoff")
        ctx.move(stageId, "block", `continuing from the handoff failed: ${String(error)}`);
    },
  );
}

/** The handoff of the last session exists, or Flux writes it; then the continuation starts. */
async function continueStage(
  ctx: EngineContext,
  stageId: string,
  last: SessionRecord | undefined,
): Promise<void> {
  const plan = ctx.plan();
  if (last !== undefined && latestHandoff(ctx.store, plan.id, stageId)?.sessionId !== last.id) {
    const facts = await handoffFacts(ctx, last, { wip: true });
    const reason = fluxReason(last);
    ctx.store.write((emit) =>
      insertHandoff(ctx.store, emit, {
        planId: plan.id,
        stageId,
        sessionId: last.id,
        author: "flux",
        reason,
        handoff: fluxHandoff(last, reason, facts),
        facts,
      }),
    );
    ctx.project();
    ctx.log(`${last.id} (${stageId}): Flux wrote the handoff (${reason})`);
  }
  const stalled = stalledHandoffs(listHandoffs(ctx.store, plan.id, stageId));
  if (stalled !== undefined) {
    ctx.move(stageId, "block", stalled);
    return;
  }
  await startSession(ctx, stageId, "handoff");
}

/** Sessions in a row that may hand off without a new commit before a human is asked. */
export const STALLED_HANDOFFS = 3;

/**
 * Why the stage must stop handing off, if it must: its last STALLED_HANDOFFS handoffs all left
 * the branch where it was (no new commit, nothing uncommitted) — a loop no fresh session breaks.
 */
export function stalledHandoffs(handoffs: readonly HandoffRecord[]): string | undefined {
  // A limit is the provider's, not a loop of the stage's: those handoffs are not counted.
  const recent = handoffs.filter((h) => h.reason !== "agent_limit").slice(-STALLED_HANDOFFS);
  if (recent.length < STALLED_HANDOFFS) return undefined;
  const tip = (h: HandoffRecord) => h.facts.commits[0] ?? "";
  const first = recent[0] as HandoffRecord;
  const still = recent.every((h) => tip(h) === tip(first) && h.facts.uncommittedFiles.length === 0);
  if (!still) return undefined;
  return `${STALLED_HANDOFFS} sessions in a row handed off without a new commit: a fresh session would not get further; look at \`flux handoff show ${first.stageId}\`, then \`flux resume ${first.stageId}\``;
}

function fluxReason(session: SessionRecord): HandoffReason {
  if (isLimitKind(session.errorClass)) return "agent_limit";
  if (session.contextLevel === "limit") return "limit";
  if (session.compactBlocked) return "compact";
  // Codex and opencode cannot be told mid-turn: their runner ends them at red. An agent that
  // was told (its hooks counted its steps since) and did not hand off ignored it.
  if (session.handoffSteps === 0 && session.agent !== "claude" && session.contextLevel === "red")
    return "context";
  return "ignored";
}

const WHY: Record<HandoffReason, string> = {
  limit: "its context crossed the hard limit",
  ignored: "it was told to hand off and did not",
  compact: "it asked to compact its conversation and did not hand off",
  context:
    "its context crossed the hand-off point, and its CLI cannot be told to hand off mid-turn",
  manual: "it stopped",
  agent_limit: "its agent ran into a rate or usage limit of its provider",
};

/** The handoff Flux writes when the agent could not: what git and the log say. */
export function fluxHandoff(
  session: SessionRecord,
  reason: HandoffReason,
  facts: HandoffFacts,
): Handoff {
  const context = facts.context === undefined ? "" : ` at ${facts.context.percent}% context`;
  const work =
    facts.commits.length === 0
      ? "It left no commits on the branch."
      : `It left ${facts.commits.length} commit${facts.commits.length === 1 ? "" : "s"} on the branch (below, newest first).`;
  const wip =
    facts.wipCommit === undefined
      ? ""
      : ` Flux committed the files it left uncommitted as ${facts.wipCommit}: check that work before building on it.`;
  return {
    summary: `Flux wrote this handoff: session ${session.id} was stopped because ${WHY[reason]}${context}. ${work}${wip} The agent's last messages are quoted below; read them, the commits and the diff to see where the work stands.`,
    completed: facts.commits.map((commit) => `${commit} (committed)`),
    remaining: [
      {
        task: "Compare the work on the branch with the assignment and its acceptance commands, and finish what is missing.",
        refs: [],
      },
    ],
    decisions: [],
    questions: [],
  };
}
