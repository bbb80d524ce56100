/**
 * `flux logs <stage|session> [-f] [--raw] [--session <n> | --all] [--json]`: a session's output
 * as the pane shows it (each line rendered by its agent's adapter, the runner's own lines in
 * words), or its NDJSON log as written. A stage means its latest session. Reads the store and
 * the files directly: no daemon needed.
 */
import path from "node:path";
import { closest } from "../../core/plan/suggest.ts";
import { ExitCode, FluxError, stageNotFound, unknownSession } from "../../core/errors.ts";
import type { StageState } from "../../core/stage/states.ts";
import { isStageId } from "../../core/stage/id.ts";
import { isSessionId } from "../../engine/ids.ts";
import { agentTranscript, logFile } from "../../engine/session-files.ts";
import type { WorkPaths } from "../../store/paths.ts";
import type { SessionRecord } from "../../store/sessions.ts";
import { getSession, listSessions } from "../../store/sessions.ts";
import type { Store } from "../../store/store.ts";
import { loadSettings, openStore, requireActivePlan, requireWorkPaths } from "../context.ts";
import { DirWatch, followSession, nextSession, readAll, stageSessions } from "../logs/follow.ts";
import type { FollowContext } from "../logs/follow.ts";
import type { LogLine } from "../logs/lines.ts";
import { formatLine, sessionRenderer } from "../logs/lines.ts";
import type { SessionSink } from "../logs/read.ts";
import { SessionFiles, renderingSink } from "../logs/read.ts";
import type { CommandContext } from "../main.ts";
import { paint } from "../output.ts";

export interface LogsOptions {
  follow?: boolean;
  raw?: boolean;
  /** 1-based, oldest first: which of the stage's sessions. */
  session?: string;
  all?: boolean;
  json?: boolean;
}

/** What the target names: the sessions to print, and whether the stage is followed on. */
interface Picked {
  planId: number;
  stageId: string;
  /** The sessions to print, oldest first; the last one is the one followed. */
  shown: SessionRecord[];
  /** Follow on to the stage's next session when the followed one ends (a stage was named). */
  rotate: boolean;
}

export async function logs(
  ctx: CommandContext,
  target: string,
  opts: LogsOptions,
): Promise<number> {
  // `flux logs … | head`: once the reader has gone, there is nothing left to do.
  using reader = stdoutReader();
  const out = (text: string) => {
    if (reader.gone()) throw new ReaderGone();
    ctx.output.out(text);
  };
  try {
    return await showLogs({ ...ctx, output: { ...ctx.output, out } }, target, opts, reader.pace);
  } catch (error) {
    if (error instanceof ReaderGone) return ExitCode.ok;
    throw error;
  }
}

class ReaderGone extends Error {}

/**
 * The reader of standard output. A pipe takes what it can; the rest waits in memory until it
 * drains, so a long log is read at the reader's pace (`pace`). A reader that goes away (EPIPE)
 * is an expected end, not an error (`gone`).
 */
function stdoutReader(): Disposable & { gone: () => boolean; pace: () => Promise<void> } {
  const stdout = process.stdout;
  let gone = false;
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    gone = true;
  };
  stdout.on("error", onError);
  return {
    gone: () => gone || stdout.destroyed,
    pace: () =>
      gone || !stdout.writableNeedDrain
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              stdout.off("drain", done);
              stdout.off("close", done);
              resolve();
            };
            stdout.on("drain", done);
            stdout.on("close", done);
          }),
    // The error of a write to a closed pipe may still be on its way: the listener stays for it.
    [Symbol.dispose]: () => {
      if (!gone && !stdout.destroyed && !stdout.writableNeedDrain) stdout.off("error", onError);
    },
  };
}

async function showLogs(
  ctx: CommandContext,
  target: string,
  opts: LogsOptions,
  pace: () => Promise<void>,
): Promise<number> {
  if (opts.raw === true && opts.json === true)
    throw usage(
      "--raw prints the log as written (already JSON), --json the readable lines as JSON: give one",
    );
  if (opts.all === true && opts.session !== undefined)
    throw usage("--session <n> picks one session, --all prints every one: give one");
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  loadSettings(ctx, paths);
  using store = openStore(paths);
  const picked = pick(store, target, opts);
  const printer = makePrinter(ctx, paths, opts);
  const header = (session: SessionRecord) => {
    // Counted again each time: a followed stage gets new sessions.
    const all = stageSessions(store, picked.planId, picked.stageId);
    const number = all.findIndex((s) => s.id === session.id) + 1;
    printer.header(session, number, all.length, opts.all !== true);
  };

  const follow = opts.follow === true;
  const followed = follow ? picked.shown.at(-1) : undefined;
  for (const session of picked.shown) {
    if (session === followed) break;
    header(session);
    const files = new SessionFiles(paths.work, session);
    const sink = printer.sink(session);
    await readAll(files, sink, pace);
    // A live session's last record may be half written: whole lines only.
    if (session.endedAt !== null) files.end(sink);
    else sink.end();
  }
  if (!follow) {
    if (picked.shown.length === 0)
      printer.note(`${picked.stageId} has no session yet (it is ${stateOf(store, picked)}).`);
    return ExitCode.ok;
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  using watch = new DirWatch();
  const follower: FollowContext = {
    work: paths.work,
    store,
    watch,
    signal: controller.signal,
    pace,
  };
  try {
    let current =
      followed ??
      (await nextSession(follower, picked.planId, picked.stageId, undefined, (state) => {
        printer.note(
          `${picked.stageId} has no session yet (it is ${state}): waiting for its first`,
        );
      }));
    while (current !== undefined) {
      const session: SessionRecord = current;
      header(session);
      const files = new SessionFiles(paths.work, session);
      const ended = await followSession(follower, files, printer.sink(session));
      if (!ended || !picked.rotate) break;
      current = await nextSession(follower, picked.planId, picked.stageId, session.id, (state) => {
        printer.note(
          `${session.id} has ended; ${picked.stageId} is ${state}: waiting for its next session (Ctrl-C to stop)`,
        );
      });
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return ExitCode.ok;
}

function usage(message: string): FluxError {
  return new FluxError("USAGE", `flux logs: ${message}`, {
    hint: "`flux logs --help` shows the options",
  });
}

function stateOf(store: Store, picked: Picked): StageState | "gone" {
  return store.stage(picked.planId, picked.stageId)?.state ?? "gone";
}

/** The sessions `target` names, checked before any of them names a file. */
function pick(store: Store, target: string, opts: LogsOptions): Picked {
  if (target.startsWith("ses_")) {
    const session = isSessionId(target) ? getSession(store, target) : undefined;
    if (session === undefined) throw noSuchSession(store, target);
    if (opts.session !== undefined || opts.all === true)
      throw usage(
        `--session and --all pick among a stage's sessions: \`flux logs ${session.stageId} --all\``,
      );
    return {
      planId: session.planId,
      stageId: session.stageId,
      shown: [session],
      rotate: false,
    };
  }
  const plan = requireActivePlan(store);
  const ids = store.stages(plan.id).map((s) => s.id);
  if (!isStageId(target) || !ids.includes(target)) throw stageNotFound(target, ids);
  const sessions = stageSessions(store, plan.id, target);
  const base = { planId: plan.id, stageId: target };
  if (opts.all === true) return { ...base, shown: sessions, rotate: true };
  if (opts.session === undefined) return { ...base, shown: sessions.slice(-1), rotate: true };
  const n = /^\d{1,9}$/.test(opts.session) ? Number(opts.session) : NaN;
  if (!Number.isInteger(n) || n < 1)
    throw new FluxError(
      "INVALID_ARGUMENT",
      `--session takes a session's number, not "${opts.session}"`,
      {
        hint: `a stage's sessions are numbered 1, 2, 3… oldest first: \`flux logs ${target} --session 1\``,
      },
    );
  const session = sessions[n - 1];
  if (session === undefined)
    throw new FluxError(
      "SESSION_NOT_FOUND",
      `${target} has no session ${n}: it has ${sessions.length === 0 ? "none yet" : sessions.length}`,
      {
        hint: `\`flux logs ${target} --all\` prints every one`,
        data: { stageId: target, number: n },
      },
    );
  // An earlier session is done: following it does not go on to the next.
  return { ...base, shown: [session], rotate: n === sessions.length };
}

function noSuchSession(store: Store, target: string): FluxError {
  const plan = store.activePlan();
  const known = plan === undefined ? [] : listSessions(store, plan.id).map((s) => s.id);
  const guess = closest(target, known);
  return unknownSession(
    target,
    `${guess === undefined ? "" : `did you mean ${guess}? `}\`flux sessions list --all\` lists the sessions; a stage id names its latest`,
  );
}

interface Printer {
  /** Says which session follows: `number` of `count`; `earlier`: say how to see the others. */
  header(session: SessionRecord, number: number, count: number, earlier: boolean): void;
  sink(session: SessionRecord): SessionSink;
  note(text: string): void;
}

function makePrinter(ctx: CommandContext, paths: WorkPaths, opts: LogsOptions): Printer {
  const color = ctx.output.color;
  const rel = (file: string) => path.relative(paths.root, file);
  if (opts.json === true)
    return {
      header(s, number, count) {
        ctx.output.out(
          JSON.stringify({
            type: "session",
            session: s.id,
            stage: s.stageId,
            number,
            of: count,
            agent: s.agent,
            purpose: s.purpose,
            status: s.status,
            interactive: s.interactive,
            createdAt: s.createdAt,
            endedAt: s.endedAt,
            log: rel(logFile(paths.work, s.id)),
            // Interactive Claude's record, once its SessionStart hook has named it.
            transcript: s.interactive ? (agentTranscript(paths.work, s.id) ?? null) : null,
          }),
        );
      },
      sink: (s) =>
        renderingSink(s, sessionRenderer(s), (lines) =>
          ctx.output.out(
            lines.map((l) => JSON.stringify({ type: "line", session: s.id, ...l })).join("\n"),
          ),
        ),
      note: (text) => ctx.output.out(JSON.stringify({ type: "note", text })),
    };
  // The header and notes are for the reader; with --raw they go to stderr, so that stdout
  // stays the file as written.
  const say = opts.raw === true ? ctx.output.err : ctx.output.out;
  return {
    header(s, number, count, earlier) {
      say(paint(color, "dim", headerText(s, number, count, earlier)));
    },
    sink: (s) =>
      opts.raw === true
        ? rawSink(s, ctx.output.out)
        : renderingSink(s, sessionRenderer(s), (lines) =>
            ctx.output.out(lines.map((l: LogLine) => formatLine(l, color)).join("\n")),
          ),
    note: (text) => say(paint(color, "dim", text)),
  };
}

/** The log as written; an interactive session's record is its transcript. */
function rawSink(session: SessionRecord, out: (text: string) => void): SessionSink {
  return {
    log: (lines) => {
      if (!session.interactive) out(lines.join("\n"));
    },
    transcript: (lines) => out(lines.join("\n")),
    settle: () => {},
    end: () => {},
  };
}

function headerText(s: SessionRecord, number: number, count: number, earlier: boolean): string {
  const status =
    s.endedAt === null
      ? `${s.status} since ${shortTime(s.createdAt)}`
      : `${s.status}${s.exitCode === null ? "" : ` (code ${s.exitCode})`} at ${shortTime(s.endedAt)}`;
  const mode = s.interactive ? ", interactive" : "";
  const lines = [
    `── ${s.stageId}: session ${number} of ${count}, ${s.id} (${s.agent}${mode}, ${s.purpose}; ${status})`,
  ];
  if (earlier && number > 1)
    lines.push(
      `   ${number - 1} earlier: \`flux logs ${s.stageId} --session ${number === 2 ? "1" : `<1-${number - 1}>`}\`, or --all`,
    );
  return lines.join("\n");
}

/** `2026-01-02T03:04:05.000Z` → `2026-01-02 03:04:05 UTC`. */
function shortTime(iso: string): string {
  return `${iso.slice(0, 19).replace("T", " ")} UTC`;
}
