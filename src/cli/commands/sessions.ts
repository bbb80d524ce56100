/** `flux sessions list|kill`, `flux attach <stage|session>`, `flux attach list`. */
import { spawn } from "node:child_process";
import { chooseBackend } from "../../adapters/sessions/index.ts";
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
import path from "node:path";

/** The repository's session backend, as the daemon would choose it. */
export function sessionBackend(ctx: CommandContext, paths: WorkPaths): SessionBackend {
  const config = loadSettings(ctx, paths);
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

export async function sessionsList(
  ctx: CommandContext,
  opts: { json?: boolean; all?: boolean },
): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const sessions = readSessions(paths).filter((s) => opts.all === true || s.endedAt === null);
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
  ctx.output.out(
    paint(
      ctx.output.color,
      "dim",
      `${pad("SESSION", 26)}${pad("STAGE", 22)}${pad("STATUS", 10)}${pad("AGENT", 10)}${pad("BACKEND", 9)}AGE`,
    ),
  );
  for (const s of sessions)
    ctx.output.out(
      `${pad(s.id, 26)}${pad(s.stageId, 22)}${pad(s.status, 10)}${pad(s.agent, 10)}${pad(s.backend, 9)}${age(s.createdAt, now)}${waiting(ctx, s)}`,
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
  const backend = sessionBackend(ctx, paths);
  const live = new Set((await backend.list()).filter((s) => s.alive).map((s) => s.name));
  const sessions = readSessions(paths).filter((s) => s.endedAt === null && live.has(s.name));
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
  ctx.output.out(
    paint(
      ctx.output.color,
      "dim",
      `${pad("SESSION", 26)}${pad("STAGE", 22)}${pad("STATUS", 10)}AGE`,
    ),
  );
  for (const s of sessions)
    ctx.output.out(
      `${pad(s.id, 26)}${pad(s.stageId, 22)}${pad(s.status, 10)}${age(s.createdAt, now)}${waiting(ctx, s)}`,
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
