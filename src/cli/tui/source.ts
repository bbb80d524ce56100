/**
 * What the dashboard shows, read again whenever `.work/` changes: the status view `flux status`
 * prints (read from the store, no daemon needed) and whether a daemon answers. Every committed
 * change rewrites `.work/flux.db-wal` and the projections, and a daemon writes or removes
 * `.work/daemon.json` as it starts and stops, so one watch of `.work/` is the wake-up — as for
 * `flux status --watch` — with a short debounce for the burst of writes one change makes. No
 * polling interval.
 */
import fs from "node:fs";
import type { ContextLayer } from "../../core/context/levels.ts";
import { FluxError } from "../../core/errors.ts";
import type { WorkPaths } from "../../store/paths.ts";
import { connectDaemon } from "../client.ts";
import { readStatus } from "../commands/status.ts";
import type { Env } from "../context.ts";
import type { StatusView } from "../render/status.ts";
import type { DaemonState } from "./model.ts";

export interface Snapshot {
  /** Undefined when the store cannot say (no active plan): `problem` says why. */
  view: StatusView | undefined;
  problem: string | undefined;
  daemon: DaemonState;
}

/** How long a burst of writes to `.work/` may last before the view is read again, in ms. */
const DEBOUNCE_MS = 40;

export class StatusSource implements Disposable {
  current: Snapshot = { view: undefined, problem: undefined, daemon: { up: false } };
  /** A read that failed on a bug: the dashboard ends and the CLI reports it. */
  failure: unknown = undefined;
  private readonly listeners = new Set<() => void>();
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A read in progress, and whether another change came in meanwhile. */
  private reading: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly paths: WorkPaths,
    private readonly settings: ContextLayer,
    private readonly env: Env,
  ) {}

  /** Reads once, then follows `.work/`. */
  async start(): Promise<void> {
    this.watcher = fs.watch(this.paths.work, () => this.changed());
    await this.refresh();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads again now (after an action, say), or once the read in progress is done. */
  refresh(): Promise<void> {
    if (this.reading !== undefined) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          this.current = await this.read();
        } catch (error) {
          this.failure = error;
        }
        if (this.closed) return;
        for (const listener of this.listeners) listener();
      } while (this.again && !this.closed);
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), DEBOUNCE_MS);
  }

  private async read(): Promise<Snapshot> {
    let view: StatusView | undefined;
    let problem: string | undefined;
    try {
      view = readStatus(this.paths, this.settings);
    } catch (error) {
      // What the CLI would say (no active plan, a locked database): shown, and read again on
      // the next change. Anything else is a bug and surfaces.
      if (!(error instanceof FluxError)) throw error;
      problem = error.hint === undefined ? error.message : `${error.message} (${error.hint})`;
    }
    return { view, problem, daemon: await daemonState(this.paths, this.env) };
  }

  [Symbol.dispose](): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.listeners.clear();
  }
}

/** Up when the daemon named in `.work/daemon.json` answers its health route. */
async function daemonState(paths: WorkPaths, env: Env): Promise<DaemonState> {
  try {
    const client = await connectDaemon(paths, env);
    return client === undefined ? { up: false } : { up: true, pid: client.info.pid };
  } catch (error) {
    // A daemon that answers with an error (another version, a token it refuses) is not one
    // the dashboard can use; the actions say why when they reach it.
    if (error instanceof FluxError) return { up: false };
    throw error;
  }
}
