/**
 * What the dashboard's keys do. Pause, drain, resume the flow, merge and resume a stage run the
 * very commands the CLI runs (../commands/flow.ts, gates.ts), so the daemon is reached — or
 * started, where the command starts one — and refused exactly as from the command line; what
 * they print, and any error as the CLI words it (message and hint; a bug: where its details
 * are), comes back as text for the status line. Verify is two steps (the evidence, then a
 * decision), so it calls the daemon's routes itself. Attach resolves the tmux command that
 * `flux attach` runs; ./index.ts runs it while the dashboard is suspended.
 */
import { userInfo } from "node:os";
import { ExitCode, FluxError, daemonGone, sessionNotFound } from "../../core/errors.ts";
import type { FlowMode } from "../../core/flow.ts";
import type { AttachCommand } from "../../adapters/sessions/backend.ts";
import type { ApiLine } from "../../server/api/types.ts";
import { ensureDaemon } from "../client.ts";
import { setFlow } from "../commands/flow.ts";
import { merge, resume } from "../commands/gates.ts";
import { sessionBackend } from "../commands/sessions.ts";
import { requireWorkPaths } from "../context.ts";
import { reportError } from "../errors.ts";
import type { CommandContext } from "../main.ts";
import type { Output } from "../output.ts";
import type { StatusView } from "../render/status.ts";
import { liveSession } from "./model.ts";

/** What an action came to: its words, and whether it did what was asked. */
export interface Outcome {
  ok: boolean;
  text: string;
}

export type Evidence = Extract<ApiLine<"stageEvidence">, { type: "evidence" }>;

/** Runs a command with its output captured; an error is worded as the CLI words it. */
async function captured(
  ctx: CommandContext,
  run: (c: CommandContext) => Promise<number>,
): Promise<Outcome> {
  const lines: string[] = [];
  const output: Output = {
    color: false,
    out: (text) => lines.push(text),
    err: (text) => lines.push(text),
  };
  let code: number;
  try {
    code = await run({ ...ctx, output });
  } catch (error) {
    code = reportError(output, error, false);
  }
  return { ok: code === ExitCode.ok, text: lines.join("\n").trim() };
}

/** An error, worded as the CLI would print it. */
export function failed(error: unknown): Outcome {
  const lines: string[] = [];
  reportError({ color: false, out: (t) => lines.push(t), err: (t) => lines.push(t) }, error, false);
  return { ok: false, text: lines.join("\n") };
}

export function setFlowMode(ctx: CommandContext, mode: FlowMode): Promise<Outcome> {
  return captured(ctx, (c) => setFlow(c, mode, {}));
}

export function mergeStage(ctx: CommandContext, stageId: string): Promise<Outcome> {
  return captured(ctx, (c) => merge(c, stageId, {}));
}

export function resumeStage(ctx: CommandContext, stageId: string): Promise<Outcome> {
  return captured(ctx, (c) => resume(c, stageId));
}

/**
 * The gate's evidence: the acceptance runs again (`progress` hears each check start and end),
 * then the commits and the diff stat. Starts a daemon when none runs, as `flux verify` does.
 */
export async function gateEvidence(
  ctx: CommandContext,
  stageId: string,
  progress: (text: string) => void,
): Promise<Evidence> {
  const client = await ensureDaemon(requireWorkPaths(ctx.cwd, ctx.env), ctx.env, ctx.fluxBin);
  for await (const line of client.stream("stageEvidence", { params: { id: stageId } })) {
    if (line.type === "check_started") progress(`▶ ${line.command}`);
    else if (line.type === "check_finished")
      progress(
        `${line.passed ? "✓ passed" : `✗ failed: exit ${String(line.exitCode)}`} (${(line.durationMs / 1000).toFixed(1)}s)`,
      );
    else if (line.type === "evidence") return line;
  }
  throw daemonGone("answer");
}

/** Approves a stage at its gate, as `flux verify --yes` does after its evidence. */
export async function approveStage(ctx: CommandContext, stageId: string): Promise<Outcome> {
  try {
    const client = await ensureDaemon(requireWorkPaths(ctx.cwd, ctx.env), ctx.env, ctx.fluxBin);
    const reviewer = `human:${ctx.env.USER ?? userInfo().username}`;
    const { state } = await client.call("approveStage", {
      params: { id: stageId },
      body: { reviewer },
    });
    return { ok: true, text: `Approved: ${stageId} is ${state}.` };
  } catch (error) {
    return failed(error);
  }
}

/**
 * The command that puts the terminal in the stage's live session, as `flux attach <stage>`
 * runs it; SESSION_NOT_FOUND when none is live, ATTACH_UNAVAILABLE without tmux.
 */
export function attachCommand(
  ctx: CommandContext,
  view: StatusView,
  stageId: string,
): AttachCommand {
  const session = liveSession(view, stageId);
  if (session === undefined) throw sessionNotFound(stageId);
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const command = sessionBackend(ctx, paths).attachCommand(session.name);
  if (command === undefined)
    throw new FluxError(
      "ATTACH_UNAVAILABLE",
      `${session.id} runs without tmux: there is no terminal to attach to`,
      { hint: `its output is in .work/logs/${session.id}.ndjson (the log pane shows it: l)` },
    );
  return command;
}
