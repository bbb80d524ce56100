/**
 * `flux hook <event>`: what Claude Code's hooks run in an interactive session (the settings
 * file of claude/interactive.ts). It reads the hook's JSON payload on stdin and:
 *
 * - session-start <signal-file>: prints the signal as `additionalContext` and notes the
 *   Claude session and transcript (the runner reads its telemetry from there at the end);
 * - stop: sends the transcript's telemetry to the daemon, which answers whether the agent
 *   goes back to work (exit 2 with the reason on stderr: Claude feeds it to the model);
 * - stop-failure: an API error ended the turn (the daemon ends the session); its telemetry
 *   carries the error's class and, for a rate or usage limit, the reset Claude named;
 * - permission-request, notification: the session waits for input;
 * - active: it no longer does.
 *
 * A hook must never break the agent: when the daemon cannot be reached the hook says so in
 * the session's hook log and exits 0.
 */
import fs from "node:fs";
import path from "node:path";
import { classifyStopFailure } from "../../adapters/agents/claude/api-error.ts";
import {
  claudeTranscriptTelemetry,
  readTranscript,
} from "../../adapters/agents/claude/transcript.ts";
import type { SessionTelemetry } from "../../adapters/agents/types.ts";
import { emptyUsage, isObject, str } from "../../adapters/agents/shared.ts";
import type { Json } from "../../adapters/agents/shared.ts";
import { ExitCode, FluxError, unknownHookEvent } from "../../core/errors.ts";
import { agentFile, sessionDir } from "../../engine/session-files.ts";
import type { HookAnswer, HookEvent } from "../../engine/hook-events.ts";
import { HOOK_EVENTS } from "../../engine/hook-events.ts";
import { readDaemonInfo } from "../../server/daemon-file.ts";
import type { ApiInput } from "../../server/api/types.ts";
import { clientFor } from "../client.ts";
import type { CommandContext } from "../main.ts";

type HookBody = ApiInput<"sessionHook">["body"];

/** A Stop hook that cannot reach the daemon lets the agent stop rather than hang it. */
const DAEMON_TIMEOUT_MS = 10_000;

/** Claude's exit code for "blocking": stderr goes to the model, which keeps working. */
const BLOCK = 2;

export async function hook(ctx: CommandContext, event: string, args: string[]): Promise<number> {
  const sessionId = ctx.env.FLUX_SESSION_ID;
  const work = ctx.env.FLUX_WORK_DIR;
  if (sessionId === undefined || work === undefined) {
    throw new FluxError("HOOK_OUTSIDE_SESSION", "flux hook runs inside a Flux session", {
      hint: "Claude Code calls it from the hooks Flux writes into an interactive session's settings",
      // Not 2: from a Claude hook, exit 2 would feed this to the model as a blocking answer.
      exitCode: ExitCode.environment,
    });
  }
  const own = ["session-start", "context"];
  if (!own.includes(event) && !(HOOK_EVENTS as readonly string[]).includes(event)) {
    throw unknownHookEvent(event, [...own, ...HOOK_EVENTS]);
  }
  const payload = parsePayload(await readStdin());
  if (event === "session-start") return sessionStart(ctx, work, sessionId, payload, args[0]);
  if (event === "context") return context(ctx, work, sessionId, payload, args[0]);

  const body: HookBody = { event: event as HookEvent, ...hookFacts(event as HookEvent, payload) };
  if (event === "stop") {
    const telemetry = transcriptTelemetry(payload);
    if (telemetry !== undefined) body.telemetry = telemetry;
  }
  if (event === "stop-failure") body.telemetry = stopFailureTelemetry(payload);
  const answer = await ask(ctx, work, sessionId, body);
  if (answer?.decision === "continue" || answer?.decision === "block") {
    process.stderr.write(`${answer.reason}\n`);
    return BLOCK;
  }
  return 0;
}

const PHASES = { pre: "pre-tool", post: "post-tool", prompt: "prompt" } as const;

/**
 * `flux hook context pre|post|prompt`: the context gate found the session past `warn` (or the daemon
 * marked it so). Measures the transcript exactly, reports it, and tells Claude what Flux
 * decided: at the hard limit the tool is denied and the session stops (PreToolUse); at red the
 * agent gets the handoff instruction as feedback it must act on (PostToolUse).
 */
async function context(
  ctx: CommandContext,
  work: string,
  sessionId: string,
  payload: Json,
  phase: string | undefined,
): Promise<number> {
  if (phase !== "pre" && phase !== "post" && phase !== "prompt") {
    throw new FluxError(
      "HOOK_UNKNOWN",
      `flux hook context takes pre, post or prompt, not ${String(phase)}`,
      {
        hint: "Claude calls it from the context gate of a session's settings",
        exitCode: ExitCode.usage,
      },
    );
  }
  const telemetry = transcriptTelemetry(payload);
  if (telemetry?.contextTokens === undefined) return 0;
  const body = {
    tokens: telemetry.contextTokens,
    ...(telemetry.contextWindow === undefined ? {} : { window: telemetry.contextWindow }),
    ...(telemetry.model === undefined ? {} : { model: telemetry.model }),
    source: "transcript" as const,
    phase: PHASES[phase],
  };
  const answer = await askDaemon(work, sessionId, "context", () =>
    clientFor(daemonInfo(work), ctx.env).call(
      "sessionContext",
      { params: { id: sessionId }, body },
      { signal: AbortSignal.timeout(DAEMON_TIMEOUT_MS) },
    ),
  );
  if (answer === undefined || answer.action === "none") return 0;
  if (phase === "prompt") {
    // Typed into the TUI after Flux asked for a handoff: the instruction comes with the prompt.
    const additionalContext = answer.instruction ?? "";
    ctx.output.out(
      JSON.stringify({
        hookSpecificOutput: { hookEventName: "UserPromptSubmit", additionalContext },
      }),
    );
    return 0;
  }
  if (answer.action === "stop") {
    const reason = answer.instruction ?? "Flux: this session stops now.";
    ctx.output.out(
      JSON.stringify(
        phase === "pre"
          ? {
              continue: false,
              stopReason: reason,
              hookSpecificOutput: {
                hookEventName: "PreToolUse",
                permissionDecision: "deny",
                permissionDecisionReason: reason,
              },
            }
          : { continue: false, stopReason: reason },
      ),
    );
    return 0;
  }
  // At red: the instruction after each tool call, until the handoff is given.
  if (phase === "post") {
    ctx.output.out(JSON.stringify({ decision: "block", reason: answer.instruction ?? "" }));
  }
  return 0;
}

/** The signal as the first request's context; the Claude session noted for the runner. */
function sessionStart(
  ctx: CommandContext,
  work: string,
  sessionId: string,
  payload: Json,
  signalFile: string | undefined,
): number {
  const agent = {
    agentSessionId: str(payload.session_id),
    transcriptPath: str(payload.transcript_path),
  };
  fs.mkdirSync(sessionDir(work, sessionId), { recursive: true });
  fs.writeFileSync(agentFile(work, sessionId), `${JSON.stringify(agent)}\n`, { mode: 0o600 });
  if (signalFile === undefined) return 0;
  let additionalContext: string;
  try {
    additionalContext = fs.readFileSync(signalFile, "utf8");
  } catch (error) {
    throw new FluxError("SIGNAL_UNREADABLE", `cannot read the signal ${signalFile}`, {
      hint: "the session's files under .work/ were removed or moved: `flux resume` starts it again",
      exitCode: ExitCode.environment,
      cause: error,
    });
  }
  // After a compaction (or a resume) the agent has only a summary: re-anchor it.
  const source = str(payload.source) ?? "startup";
  if (source !== "startup") {
    const what = source === "compact" ? "compacted" : "resumed";
    additionalContext = `Flux: your conversation was ${what}. Here is your assignment again, in full; continue from where your work stands (git log, git status).\n\n${additionalContext}`;
  }
  ctx.output.out(
    JSON.stringify({ hookSpecificOutput: { hookEventName: "SessionStart", additionalContext } }),
  );
  return 0;
}

/** What the daemon needs of each event's payload (reference §1.6). */
function hookFacts(event: HookEvent, payload: Json): Omit<HookBody, "event" | "telemetry"> {
  switch (event) {
    case "permission-request":
      return { tool: str(payload.tool_name) ?? "a tool" };
    case "notification":
      return {
        kind: str(payload.notification_type) ?? "",
        message: str(payload.message) ?? "",
      };
    case "stop-failure":
      // Measured on 2.1.197: error "rate_limit", last_assistant_message "API Error: … (429) · …".
      return {
        error: str(payload.error) ?? "",
        message: str(payload.last_assistant_message) ?? "",
      };
    case "stop":
      return { message: (str(payload.last_assistant_message) ?? "").slice(0, 500) };
    case "pre-compact":
      return { kind: str(payload.trigger) ?? "" };
    case "active":
      return {};
  }
}

/**
 * The transcript's figures with the verdict on the error that ended the turn, read from the
 * payload itself (measured on 2.1.197: error "rate_limit", last_assistant_message "API Error:
 * Request rejected (429) · …", or a subscriber's "You've hit your session limit · resets 6:54pm
 * (UTC)"; the TUI then opens its /rate-limit-options menu and waits).
 */
function stopFailureTelemetry(payload: Json): SessionTelemetry {
  const message = str(payload.last_assistant_message) ?? "";
  const { errorClass, limitResetAt } = classifyStopFailure(str(payload.error) ?? "", message);
  const { limitResetAt: _fromTranscript, ...figures } = transcriptTelemetry(payload) ?? {
    usage: emptyUsage(),
    costEstimated: false,
  };
  return {
    ...figures,
    result: "error",
    errorClass,
    errorMessage: message,
    ...(limitResetAt === undefined ? {} : { limitResetAt }),
  };
}

function transcriptTelemetry(payload: Json): SessionTelemetry | undefined {
  const text = readTranscript(str(payload.transcript_path));
  return text === undefined ? undefined : claudeTranscriptTelemetry(text);
}

function ask(
  ctx: CommandContext,
  work: string,
  sessionId: string,
  body: HookBody,
): Promise<HookAnswer | undefined> {
  return askDaemon(work, sessionId, String(body.event), () =>
    clientFor(daemonInfo(work), ctx.env).call(
      "sessionHook",
      { params: { id: sessionId }, body },
      { signal: AbortSignal.timeout(DAEMON_TIMEOUT_MS) },
    ),
  );
}

function daemonInfo(work: string): NonNullable<ReturnType<typeof readDaemonInfo>> {
  const info = readDaemonInfo(work);
  if (info === undefined) throw new Error("no daemon.json: the daemon is not running");
  return info;
}

/** A hook must never break the agent: a daemon that cannot answer is logged, not raised. */
async function askDaemon<T>(
  work: string,
  sessionId: string,
  what: string,
  call: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const line = `${new Date().toISOString()} ${what}: ${error instanceof Error ? error.message : String(error)}\n`;
    fs.mkdirSync(path.join(work, "logs"), { recursive: true });
    fs.appendFileSync(path.join(work, "logs", `${sessionId}.hooks.log`), line);
    return undefined;
  }
}

function parsePayload(text: string): Json {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY === true) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
