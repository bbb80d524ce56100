/**
 * Restoring a backup (./backup.ts) over `.work/flux.db`. The caller makes sure no daemon runs
 * (it holds the daemon's lock: `flux backup restore`).
 *
 * 1. The file is checked (`checkBackup`) and copied, through SQLite, to a staging file beside
 *    the database: what is installed is a consistent copy even of a file in WAL mode.
 * 2. The current database is backed up first (a forced online backup, never pruned), so
 *    nothing already done is lost; a damaged one is copied byte for byte instead. The staged
 *    copy's event counter is moved past the current database's last seq: seqs go on from there
 *    after the restore, so no seq ever names two states (a backup named by its seq is skipped
 *    as unchanged only when it is).
 * 3. The current database is taken out of WAL mode. SQLite allows that to the only connection
 *    alone — another process still holding the file would go on writing to the replaced one,
 *    so that is refused (`BACKUP_DB_IN_USE`) — and checkpoints and removes its `-wal` on the
 *    way. An exclusive lock then keeps newcomers out while stale `-wal`/`-shm`/`-journal` files
 *    are removed (left beside the new file, SQLite would replay the old database's pages into
 *    it) and the staging file is renamed over `flux.db`.
 * 4. The restored store is opened (migrating an older schema) and every projection under
 *    `.work/` is rendered again from it; projection files of sessions and stages it does not
 *    know are removed.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { backupDbInUse, isDamagedDatabase } from "../core/errors.ts";
import type { CheckedBackup } from "./backup.ts";
import { backupName, checkBackup, ensureBackupsDir, takeBackup } from "./backup.ts";
import type { Db } from "./db.ts";
import type { WorkPaths } from "./paths.ts";
import { ensureWorkDir } from "./paths.ts";
import { syncProjections } from "./projections/sync.ts";
import { Store } from "./store.ts";

export interface RestoreOptions {
  /** Names the backup of the current database; default `() => new Date()`. */
  clock?: (() => Date) | undefined;
  /** How long to wait for another process to close the database, in ms. Default 5000. */
  busyTimeoutMs?: number | undefined;
}

export interface RestoreResult {
  restored: CheckedBackup;
  /** Where the database as it was went; undefined when there was none. */
  saved: { file: string; seq: number | undefined; damaged: boolean } | undefined;
  /** Projection files written and removed. */
  written: number;
  removed: number;
}

const SIDECARS = ["-wal", "-shm", "-journal"] as const;

export async function restoreBackup(
  paths: WorkPaths,
  file: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const restored = checkBackup(file);
  ensureWorkDir(paths);
  const clock = options.clock ?? (() => new Date());
  const staging = `${paths.db}.restore-${process.pid}.tmp`;
  let saved: RestoreResult["saved"];
  try {
    await copyDatabase(file, staging);
    saved = await saveCurrent(paths, clock);
    if (saved !== undefined && !saved.damaged) continueSeqAfter(staging, highestSeq(saved.file));
    swapIn(paths, staging, options.busyTimeoutMs ?? 5_000);
  } finally {
    fs.rmSync(staging, { force: true });
  }
  using store = new Store(paths.db);
  const { written } = syncProjections(store, paths, { full: true });
  const removed = removeStrayProjections(store, paths);
  return { restored, saved, written, removed };
}

async function copyDatabase(from: string, to: string): Promise<void> {
  fs.rmSync(to, { force: true });
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await source.backup(to, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }
  fs.chmodSync(to, 0o600);
}

/** The highest seq a database has handed out: its last event's, or higher after a restore. */
function highestSeq(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        "SELECT max(coalesce((SELECT max(seq) FROM events), 0), coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)) AS seq",
      )
      .get() as { seq: number };
    return row.seq;
  } finally {
    db.close();
  }
}

/** The next event of the staged database gets a seq above `seq`. */
function continueSeqAfter(file: string, seq: number): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma("journal_mode = DELETE");
    const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as
      { seq: number } | undefined;
    if (row === undefined)
      db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(seq);
    else if (row.seq < seq)
      db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'").run(seq);
  } finally {
    db.close();
  }
}

async function saveCurrent(paths: WorkPaths, clock: () => Date): Promise<RestoreResult["saved"]> {
  if (!fs.existsSync(paths.db)) return undefined;
  const at = clock();
  let current: Db | undefined;
  try {
    current = new Database(paths.db, { fileMustExist: true });
    current.pragma("busy_timeout = 10000");
    const result = await takeBackup(current, {
      dir: paths.backupsDir,
      clock: () => at,
      force: true,
    });
    if (!result.taken) throw new Error("a forced backup was skipped");
    return { file: result.backup.file, seq: result.backup.seq, damaged: false };
  } catch (error) {
    if (!isDamagedDatabase(error)) throw error;
    return { file: copyDamaged(paths, at), seq: undefined, damaged: true };
  } finally {
    current?.close();
  }
}

/** A database SQLite cannot read is kept as it is: the file and its WAL, byte for byte. */
function copyDamaged(paths: WorkPaths, at: Date): string {
  ensureBackupsDir(paths.backupsDir);
  const file = path.join(paths.backupsDir, backupName(at, 0).replace("-seq0.db", "-damaged.db"));
  fs.copyFileSync(paths.db, file);
  fs.chmodSync(file, 0o600);
  if (fs.existsSync(`${paths.db}-wal`)) {
    fs.copyFileSync(`${paths.db}-wal`, `${file}-wal`);
    fs.chmodSync(`${file}-wal`, 0o600);
  }
  return file;
}

function swapIn(paths: WorkPaths, staging: string, busyTimeoutMs: number): void {
  let current: Db | undefined;
  if (fs.existsSync(paths.db)) {
    try {
      current = new Database(paths.db, { fileMustExist: true });
      current.pragma(`busy_timeout = ${busyTimeoutMs}`);
      const mode = current.pragma("journal_mode = DELETE", { simple: true }) as string;
      if (mode !== "delete") throw Object.assign(new Error(mode), { code: "SQLITE_BUSY" });
      current.exec("BEGIN EXCLUSIVE");
    } catch (error) {
      current?.close();
      current = undefined;
      const code = String((error as { code?: unknown }).code);
      if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
        throw backupDbInUse(paths.db);
      // A damaged database cannot be coordinated with, only replaced.
      if (!isDamagedDatabase(error)) throw error;
    }
  }
  try {
    for (const suffix of SIDECARS) fs.rmSync(`${paths.db}${suffix}`, { force: true });
    fs.renameSync(staging, paths.db);
  } finally {
    if (current !== undefined) {
      current.exec("ROLLBACK");
      current.close();
    }
  }
}

/** Session and worktree projections of sessions and stages the restored store does not know. */
function removeStrayProjections(store: Store, paths: WorkPaths): number {
  const sessions = new Set(
    (store.db.prepare("SELECT id FROM sessions").all() as { id: string }[]).map((r) => r.id),
  );
  const plan = store.activePlan();
  const stages = new Set(plan === undefined ? [] : store.stages(plan.id).map((s) => s.id));
  const stray = [
    ...filesIn(paths.sessionsDir, ".md")
      .filter((id) => !sessions.has(id))
      .map(paths.sessionFile),
    ...filesIn(paths.worktreesDir, ".toml")
      .filter((id) => !stages.has(id))
      .map(paths.worktreeFile),
  ];
  for (const file of stray) fs.rmSync(file, { force: true });
  return stray.length;
}

/** The names, without `ext`, of the files in `dir` ending in `ext`. */
function filesIn(dir: string, ext: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(ext))
      .map((e) => e.name.slice(0, -ext.length));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
