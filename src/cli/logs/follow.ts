/**
 * Following a session as it writes (`flux logs -f`): woken by file-system events, never by a
 * timer. What wakes it:
 *
 * - the directory of each file it reads (`.work/logs/`, the transcript's): an append, or the
 *   file's creation — a session that has not written yet has no log;
 * - `.work/` itself: every store commit writes `.work/flux.db-wal` (and the projections), which
 *   is how the end of a session (`ended_at`) and the start of the stage's next one are seen;
 * - for an interactive session, its directory under `.work/sessions/`, where the SessionStart
 *   hook names the transcript (agent.json).
 *
 * A directory that does not exist yet is watched through its nearest existing parent until it
 * appears. A session has ended when the store says so (or its runner wrote its `exit` record,
 * the last one of its log, for a session no daemon has recorded yet); its files are then read
 * to their end and the follower stops.
 */
import fs from "node:fs";
import path from "node:path";
import type { StageState } from "../../core/stage/states.ts";
import { sessionDir } from "../../engine/session-files.ts";
import type { SessionRecord } from "../../store/sessions.ts";
import { getSession, listSessions } from "../../store/sessions.ts";
import type { Store } from "../../store/store.ts";
import type { SessionFiles, SessionSink } from "./read.ts";

/** Watches directories and wakes whoever waits on the next change in any of them. */
export class DirWatch implements Disposable {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private changes = 0;
  private waiters: (() => void)[] = [];

  /** Watches `dir`; while it does not exist, its nearest existing parent (its creation wakes). */
  watch(dir: string): void {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      if (this.watchers.has(d)) return;
      try {
        const watcher = fs.watch(d, () => this.wake());
        watcher.on("error", () => {
          // The directory went away: its parent is watched on the next call.
          watcher.close();
          this.watchers.delete(d);
          this.wake();
        });
        this.watchers.set(d, watcher);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== "ENOENT" && code !== "ENOTDIR") || path.dirname(d) === d) throw error;
      }
    }
  }

  /**
   * Resolves on the first change after this call. Taken before reading, so that a change made
   * while reading is not missed.
   */
  changed(): Promise<void> {
    const at = this.changes;
    return new Promise((resolve) => {
      if (this.changes > at) resolve();
      else this.waiters.push(resolve);
    });
  }

  private wake(): void {
    this.changes++;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  [Symbol.dispose](): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    this.wake();
  }
}

export interface FollowContext {
  /** `.work/` */
  work: string;
  store: Store;
  watch: DirWatch;
  /** Ctrl-C. */
  signal: AbortSignal;
  /** Resolves when the output can take more (a pipe that is full drains first). */
  pace: () => Promise<void>;
}

/** How much is read between two waits for the output, in bytes. */
export const READ_BUDGET = 1024 * 1024;

/** Reads the session's files to their current end into `sink`, at the output's pace. */
export async function readAll(
  files: SessionFiles,
  sink: SessionSink,
  pace: () => Promise<void>,
): Promise<void> {
  while (files.read(sink, READ_BUDGET)) await pace();
  await pace();
}

/** Waits for `change`, or for the abort; true when it was the change. */
async function until(change: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let off = () => {};
  const aborted = new Promise<false>((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
    off = () => signal.removeEventListener("abort", onAbort);
  });
  try {
    return await Promise.race([change.then(() => true), aborted]);
  } finally {
    off();
  }
}

/**
 * Reads the session's files into `sink` as they grow, until the session has ended (true) or
 * the follower is stopped (false).
 */
export async function followSession(
  ctx: FollowContext,
  files: SessionFiles,
  sink: SessionSink,
): Promise<boolean> {
  const id = files.session.id;
  ctx.watch.watch(ctx.work);
  if (files.session.interactive) ctx.watch.watch(sessionDir(ctx.work, id));
  for (;;) {
    const dirs = files.dirs();
    for (const dir of dirs) ctx.watch.watch(dir);
    const changed = ctx.watch.changed();
    // The store first: what was written before the session ended is read below.
    const ended = hasEnded(ctx.store, id);
    await readAll(files, sink, ctx.pace);
    if (ended || files.exited) {
      files.end(sink);
      return true;
    }
    // The read found a file (the transcript) in a directory not watched yet: watch it first.
    if (files.dirs().length !== dirs.length) continue;
    if (!(await until(changed, ctx.signal))) {
      sink.end();
      return false;
    }
  }
}

function hasEnded(store: Store, id: string): boolean {
  const row = getSession(store, id);
  return row === undefined || row.endedAt !== null;
}

/**
 * States in which a stage gets another session without a human: it waits for its dependencies
 * or its turn, a limit to reset, a continuation after a handoff, a retry after a crash, or the
 * verdict of its acceptance (a failure sends it back to work).
 */
const MORE_TO_COME: ReadonlySet<StageState> = new Set([
  "waiting",
  "ready",
  "parked",
  "running",
  "needs_handoff",
  "checking",
]);

/** A stage's sessions, oldest first. */
export function stageSessions(store: Store, planId: number, stageId: string): SessionRecord[] {
  return listSessions(store, planId).filter((s) => s.stageId === stageId);
}

/**
 * The stage's session after `after` (its first when undefined): waits for it while the stage
 * may still get one; undefined once it cannot (it is completed, merged, blocked, failed…) or
 * when the follower is stopped. `waiting` is told once what the stage is in while it waits.
 */
export async function nextSession(
  ctx: FollowContext,
  planId: number,
  stageId: string,
  after: string | undefined,
  waiting: (state: StageState) => void,
): Promise<SessionRecord | undefined> {
  ctx.watch.watch(ctx.work);
  let told = false;
  for (;;) {
    const changed = ctx.watch.changed();
    const sessions = stageSessions(ctx.store, planId, stageId);
    const index = after === undefined ? -1 : sessions.findIndex((s) => s.id === after);
    if (after !== undefined && index === -1) return undefined;
    const next = sessions[index + 1];
    if (next !== undefined) return next;
    const state = ctx.store.stage(planId, stageId)?.state;
    if (state === undefined || !MORE_TO_COME.has(state)) return undefined;
    // A runner's exit comes before the daemon has recorded it and moved the stage on, and a
    // stage still running or checking is about to move: only a wait past that is worth saying.
    const recorded = after === undefined || sessions[index]?.endedAt !== null;
    if (!told && recorded && state !== "running" && state !== "checking") {
      told = true;
      waiting(state);
    }
    if (!(await until(changed, ctx.signal))) return undefined;
  }
}
