/**
 * Failed sessions (core/failure.ts has the classes): the class of a session that ended, what an
 * agent CLI that could not start said, its one more try or its stage blocked, and what a
 * session found gone left running.
 */
import type { SessionTelemetry } from "../adapters/agents/types.ts";
import { leaderStatus, processGroup, signalGroup } from "../adapters/process/proc.ts";
import { classifyEnd } from "../core/failure.ts";
import type { FailureClass } from "../core/failure.ts";
import { getSession, latestSession, recentSessions } from "../store/sessions.ts";
import type { SessionRecord } from "../store/sessions.ts";
import type { EngineContext } from "./context.ts";
import { logTail, readScreen } from "./session-files.ts";

/** The failure class of a session of a live stage that ended, with what it said if it matters. */
export function failureOf(
  ctx: EngineContext,
  session: SessionRecord,
  status: "exited" | "lost",
  code: number | null,
  signal: string | null,
  telemetry: SessionTelemetry | undefined,
): { class: FailureClass; detail: string | null } | undefined {
  const stage = ctx.store.stage(session.planId, session.stageId);
  const latest = latestSession(ctx.store, session.planId, session.stageId);
  if (stage === undefined || latest?.id !== session.id || !LIVE_STATES.has(stage.state))
    return undefined;
  const usage = telemetry?.usage;
  const failure = classifyEnd({
    agent: session.agent,
    status,
    code,
    signal,
    errorClass: telemetry?.errorClass,
    tokens:
      usage === undefined
        ? 0
        : usage.inputTokens +
          usage.outputTokens +
          usage.cacheCreationTokens +
          usage.cacheReadTokens,
    durationMs: ctx.clock.now().getTime() - Date.parse(session.createdAt),
    atContextLimit: session.handoffAskedAt !== null || session.contextLevel === "limit",
  });
  if (failure === undefined) return undefined;
  return { class: failure, detail: failure === "infrastructure" ? lastWords(ctx, session) : null };
}

const LIVE_STATES = new Set(["running", "needs_handoff", "checking"]);

/** What an agent that could not start said: a TUI's last screen, else its output's last lines. */
function lastWords(ctx: EngineContext, session: SessionRecord): string | null {
  const said = session.interactive
    ? (readScreen(ctx.paths.work, session.id) ?? logTail(ctx.paths.work, session.id, 20))
    : logTail(ctx.paths.work, session.id, 20);
  const lines = said
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "");
  return lines.length === 0 ? null : lines.slice(-20).join("\n").slice(-2000);
}

/**
 * The agent CLI could not start (core/failure.ts `infrastructure`): once more, without using a
 * retry; a second time in a row, the stage blocks with what the CLI said — a restart would not
 * help, a human must (log in, finish its onboarding, fix a flag).
 */
export function startFailed(ctx: EngineContext, session: SessionRecord): void {
  const [, previous] = recentSessions(ctx.store, session.planId, session.stageId, 2);
  const said = getSession(ctx.store, session.id)?.failureDetail ?? null;
  const quoted = said === null ? "it printed nothing" : `it said:\n${said}`;
  if (previous?.failure === "infrastructure") {
    ctx.move(
      session.stageId,
      "block",
      `the ${session.agent} CLI could not start, twice: ${quoted}\nFix it (\`flux doctor\` checks the agents), then \`flux resume ${session.stageId}\``,
    );
    ctx.wake("start failed");
    return;
  }
  ctx.run.setPurpose(session.stageId, "retry");
  ctx.move(
    session.stageId,
    "start_failed",
    `the ${session.agent} CLI exited within seconds, before any model call: trying once more (${quoted.split("\n").slice(0, 3).join(" ")})`,
  );
  ctx.wake("start failed");
}

/**
 * A session found gone (its runner killed, its pane closed) may have left its agent running —
 * reparented, still editing the worktree the next session gets. Its process group is killed,
 * if the recorded pid is still verifiably that agent (its start time matches) and the group is
 * not the daemon's own.
 */
export function killLeftovers(ctx: EngineContext, session: SessionRecord): void {
  if (session.pid === null || session.pidStart === null || session.backend === "manual") return;
  if (leaderStatus(session.pid, session.pidStart) !== "alive") return;
  const group = processGroup(session.pid);
  const own = processGroup(process.pid);
  ctx.log(`killing what ${session.id} left running (pid ${session.pid}, group ${group ?? "?"})`);
  if (group !== undefined && group !== own && group > 1) signalGroup(group, "SIGKILL");
  else process.kill(session.pid, "SIGKILL");
}
