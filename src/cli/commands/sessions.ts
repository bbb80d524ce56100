/** `flux sessions list|kill`, `flux attach <stage|session>`, `flux attach list`. */
import { spawn } from "node:child_process";
import { chooseBackend } from "../../adapters/sessions/index.ts";
import { contextText } from "../../core/context/display.ts";
import type { ContextLayer } from "../../core/context/levels.ts";
import type { ResolvedConfig } from "../../core/config/resolve.ts";
import type { SessionBackend } from "../../adapters/sessions/backend.ts";
import {
  ExitCode,
  FluxError,
  sessionEnded,
  sessionNotFound,
  unknownSession,
} from "../../core/errors.ts";
import { tmuxSocketName } from "../../server/daemon.ts";
import type { WorkPaths } from "../../store/paths.ts";
import type { SessionRecord } from "../../store/sessions.ts";
import { getSession, listSessions } from "../../store/sessions.ts";
import { ensureDaemon } from "../client.ts";
import {
  loadSettings,
  openStore,
  refuseInsideSession,
  requireActivePlan,
  requireWorkPaths,
} from "../context.ts";
import type { CommandContext } from "../main.ts";
import { json, pad, paint } from "../output.ts";
import type { SessionStatus } from "../render/context.ts";
import { paintedContext, stagePolicies, withContext } from "../render/context.ts";
import path from "node:path";

/** The repository's session backend, as the daemon would choose it. */
export function sessionBackend(
  ctx: CommandContext,
  paths: WorkPaths,
  config: ResolvedConfig = loadSettings(ctx, paths),
): SessionBackend {
  return chooseBackend({
    preferred: config.backend,
    socket: tmuxSocketName(paths.root),
    stateDir: path.join(paths.work, "sessions", "backend"),
  });
}

function age(from: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

function readSessions(paths: WorkPaths): SessionRecord[] {
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  return listSessions(store, plan.id);
}

/** The plan's sessions with their context health, and each one's hard limit. */
interface Listed {
  sessions: SessionStatus[];
  hard: (s: SessionStatus) => number;
}

function readListed(paths: WorkPaths, settings: ContextLayer): Listed {
  using store = openStore(paths);
  const plan = requireActivePlan(store);
  const policyOf = stagePolicies(store.stages(plan.id), settings);
  return {
    sessions: withContext(listSessions(store, plan.id), policyOf),
    hard: (s) => policyOf(s.stageId).hard,
  };
}

/** The CONTEXT column: its cells ("45%", "—", "92% over the 90% limit") and their width. */
function contextColumn(
  listed: Listed,
  shown: readonly SessionStatus[],
  color: boolean,
): { width: number; cell: (s: SessionStatus) => string } {
  const text = (s: SessionStatus) => contextText(s.context, listed.hard(s));
  const width = Math.max("CONTEXT".length, ...shown.map((s) => text(s).length)) + 2;
  return { width, cell: (s) => paintedContext(s, listed.hard(s), color) };
}

export async function sessionsList(
  ctx: CommandContext,
  opts: { json?: boolean; all?: boolean },
): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const config = loadSettings(ctx, paths);
  const listed = readListed(paths, config.context);
  const sessions = listed.sessions.filter((s) => opts.all === true || s.endedAt === null);
  if (opts.json === true) {
    ctx.output.out(json(sessions));
    return ExitCode.ok;
  }
  if (sessions.length === 0) {
    ctx.output.out(
      opts.all === true ? "No sessions yet." : "No live sessions (`--all` lists ended ones too).",
    );
    return ExitCode.ok;
  }
  const now = Date.now();
  const context = contextColumn(listed, sessions, ctx.output.color);
  ctx.output.out(
    paint(
      ctx.output.color,
      "dim",
      `${pad("SESSION", 26)}${pad("STAGE", 22)}${pad("STATUS", 10)}${pad("CONTEXT", context.width)}${pad("AGENT", 10)}${pad("BACKEND", 9)}AGE`,
    ),
  );
  for (const s of sessions)
    ctx.output.out(
      `${pad(s.id, 26)}${pad(s.stageId, 22)}${pad(s.status, 10)}${pad(context.cell(s), context.width)}${pad(s.agent, 10)}${pad(s.backend, 9)}${age(s.createdAt, now)}${waiting(ctx, s)}`,
    );
  return Promise.resolve(ExitCode.ok);
}

export async function sessionsKill(ctx: CommandContext, sessionId: string): Promise<number> {
  refuseInsideSession(ctx.env, `flux sessions kill ${sessionId}`);
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  // The database answers a mistyped id or an ended session: no daemon is started for that.
  assertKillable(paths, sessionId);
  const client = await ensureDaemon(paths, ctx.env, ctx.fluxBin);
  const { session } = await client.call("killSession", { params: { id: sessionId } });
  ctx.output.out(
    `Killed ${session.id}; stage ${session.stageId} is blocked ("killed by user"). \`flux resume ${session.stageId}\` starts it again.`,
  );
  return ExitCode.ok;
}

/** Throws unless `id` names a session that has not ended, saying what to kill instead. */
function assertKillable(paths: WorkPaths, id: string): void {
  using store = openStore(paths);
  const session = getSession(store, id);
  const plan = store.activePlan();
  const liveOf = (stageId: string) =>
    plan === undefined
      ? undefined
      : listSessions(store, plan.id)
          .filter((s) => s.stageId === stageId && s.endedAt === null)
          .at(-1);
  if (session === undefined) {
    const live = liveOf(id);
    throw unknownSession(
      id,
      live === undefined
        ? "`flux sessions list` shows the live sessions (`--all`: the ended ones too)"
        : `stage ${id} runs in ${live.id}: \`flux sessions kill ${live.id}\` stops it`,
    );
  }
  if (session.endedAt !== null)
    throw sessionEnded(session.id, session.stageId, session.status, liveOf(session.stageId)?.id);
}

export async function attachList(ctx: CommandContext, opts: { json?: boolean }): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const config = loadSettings(ctx, paths);
  const backend = sessionBackend(ctx, paths, config);
  const live = new Set((await backend.list()).filter((s) => s.alive).map((s) => s.name));
  const listed = readListed(paths, config.context);
  const sessions = listed.sessions.filter((s) => s.endedAt === null && live.has(s.name));
  if (opts.json === true) {
    ctx.output.out(
      json(
        sessions.map((s) => ({
          session: s.id,
          stage: s.stageId,
          status: s.status,
          name: s.name,
          interactive: s.interactive,
          waitingForInput: s.waitingFor,
          context: s.context,
          createdAt: s.createdAt,
        })),
      ),
    );
    return ExitCode.ok;
  }
  if (sessions.length === 0) {
    ctx.output.out("No sessions to attach to.");
    return ExitCode.ok;
  }
  const now = Date.now();
  const context = contextColumn(listed, sessions, ctx.output.color);
  ctx.output.out(
    paint(
      ctx.output.color,
      "dim",
      `${pad("SESSION", 26)}${pad("STAGE", 22)}${pad("STATUS", 10)}${pad("CONTEXT", context.width)}AGE`,
    ),
  );
  for (const s of sessions)
    ctx.output.out(
      `${pad(s.id, 26)}${pad(s.stageId, 22)}${pad(s.status, 10)}${pad(context.cell(s), context.width)}${age(s.createdAt, now)}${waiting(ctx, s)}`,
    );
  return ExitCode.ok;
}

/** A live session that waits for a human says so, and why (docs/agents.md). */
function waiting(ctx: CommandContext, s: SessionRecord): string {
  if (s.endedAt !== null || s.waitingFor === null) return "";
  return paint(ctx.output.color, "yellow", `  waiting for input: ${s.waitingFor}`);
}

export async function attach(ctx: CommandContext, target: string): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const sessions = readSessions(paths).filter((s) => s.endedAt === null);
  const session =
    sessions.find((s) => s.id === target) ?? sessions.filter((s) => s.stageId === target).at(-1);
  if (session === undefined) throw sessionNotFound(target);
  const command = sessionBackend(ctx, paths).attachCommand(session.name);
  if (command === undefined) {
    throw new FluxError(
      "ATTACH_UNAVAILABLE",
      `${session.id} runs without tmux: there is no terminal to attach to`,
      {
        hint: `its output is in .work/logs/${session.id}.ndjson`,
      },
    );
  }
  const child = spawn(command.command, command.args, { stdio: "inherit", env: command.env });
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? ExitCode.ok)));
}
