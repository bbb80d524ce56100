/**
 * Online backups of the store, in `.work/backups/` (0700, each file 0600).
 *
 * A backup is SQLite's online backup of the open database, copied in a single step: one read
 * transaction, so the copy is one consistent state even while the daemon or another process
 * writes (a stepwise copy would restart on every write that lands between its steps). It goes
 * to a temp file, is turned into one self-contained file (rollback journal rather than WAL, so
 * it opens read-only with no `-wal` or `-shm` beside it) and renamed into place. The name holds
 * the time and the last event seq, `flux-20261205T183000Z-seq1234.db`: listing needs no
 * database open, and a backup is skipped when the newest already holds the same seq — every
 * change appends an event. After a new one, all but the newest `keep` are removed.
 *
 * A restore is in ./restore.ts.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  FluxError,
  backupCorrupt,
  backupNotFlux,
  backupNotFound,
  backupSchemaNewer,
  fromSqliteError,
  fromSystemError,
} from "../core/errors.ts";
import type { Db } from "./db.ts";
import { lastSeq } from "./events.ts";
import { MIGRATIONS } from "./migrations.ts";

/** A backup file. */
export interface BackupInfo {
  /** Absolute path. */
  file: string;
  name: string;
  /** When it was taken (ISO, to the second). */
  takenAt: string;
  /** The last event it holds. */
  seq: number;
  /** 1, or n for the nth backup of that seq taken in that second (named `…-seq<seq>-<n>.db`). */
  copy: number;
  /** In bytes. */
  size: number;
  /** Its schema version (`user_version`); undefined when the file is no SQLite database. */
  schemaVersion: number | undefined;
}

export interface TakeBackupOptions {
  /** The backups directory (`WorkPaths.backupsDir`); created 0700 when missing. */
  dir: string;
  /** Backups kept after a new one, newest first (`[backup] keep`); undefined removes none. */
  keep?: number | undefined;
  /** Names the backup; default `() => new Date()`. */
  clock?: (() => Date) | undefined;
  /** Take one even when the newest holds the same last seq (the copy before a restore). */
  force?: boolean | undefined;
}

export type TakeBackupResult =
  { taken: true; backup: BackupInfo; removed: string[] } | { taken: false; newest: BackupInfo };

/** `flux-<time>-seq<seq>.db`, with `-<n>` when another backup took that name first. */
const NAME = /^flux-(\d{8}T\d{6}Z)-seq(\d+)(?:-(\d+))?\.db$/;
const TEMP = /^\.flux-backup-(\d+)-[a-z0-9]+\.tmp$/;
/** better-sqlite3 copies this many pages per step: all of them, in one. */
const ALL_PAGES = 0x7fffffff;
/** The tables every Flux schema has (migration 1). */
const FLUX_TABLES = ["meta", "plans", "stages", "edges", "sessions", "events"] as const;

/** The newest schema this flux knows. */
export function knownSchemaVersion(): number {
  return MIGRATIONS.at(-1)?.version ?? 0;
}

/** `flux-20261205T183000Z-seq1234.db` */
export function backupName(at: Date, seq: number): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
  return `flux-${stamp}-seq${seq}.db`;
}

/** Creates the directory 0700, or tightens it (only when needed: a chmod wakes `.work/` watchers). */
export function ensureBackupsDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((fs.statSync(dir).mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
}

/**
 * Takes a backup of `db` into `options.dir`, unless the newest there already holds its last
 * seq; then removes all but the newest `keep`.
 */
export async function takeBackup(db: Db, options: TakeBackupOptions): Promise<TakeBackupResult> {
  ensureBackupsDir(options.dir);
  const newest = listBackups(options.dir)[0];
  if (options.force !== true && newest !== undefined && newest.seq === lastSeq(db))
    return { taken: false, newest };
  const backup = await writeBackup(db, options.dir, (options.clock ?? (() => new Date()))());
  const removed = options.keep === undefined ? [] : pruneBackups(options.dir, options.keep);
  return { taken: true, backup, removed };
}

/** The copy itself: temp file, one step, sealed, 0600, renamed to its name. */
async function writeBackup(db: Db, dir: string, at: Date): Promise<BackupInfo> {
  const tmp = path.join(
    dir,
    `.flux-backup-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`,
  );
  try {
    await db.backup(tmp, { progress: () => ALL_PAGES });
    const seq = seal(tmp);
    fs.chmodSync(tmp, 0o600);
    const file = claimName(tmp, dir, backupName(at, seq));
    return backupInfo(file) ?? missing(file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw fromSqliteError(error, db.name) ?? fromSystemError(error) ?? error;
  }
}

/**
 * Moves `tmp` to `name` in `dir`, or to `name` with `-2`, `-3`… when a backup has it already (a
 * forced backup of the same seq in the same second: the copy before a restore). A hard link
 * never replaces an existing file, so no backup is ever overwritten.
 */
function claimName(tmp: string, dir: string, name: string): string {
  for (let n = 1; ; n++) {
    const file = path.join(dir, n === 1 ? name : name.replace(/\.db$/, `-${n}.db`));
    try {
      fs.linkSync(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw error;
    }
    fs.rmSync(tmp, { force: true });
    return file;
  }
}

/** Rollback journal instead of WAL (a single file that opens read-only); returns its last seq. */
function seal(file: string): number {
  const copy = new Database(file, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
    return lastSeq(copy);
  } finally {
    copy.close();
  }
}

function missing(file: string): never {
  throw new Error(`the backup ${file} vanished as it was written`);
}

/** The backups in `dir`, newest first; none when the directory does not exist. */
export function listBackups(dir: string): BackupInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const backups: BackupInfo[] = [];
  for (const name of names) {
    const info = NAME.test(name) ? backupInfo(path.join(dir, name)) : undefined;
    if (info !== undefined) backups.push(info);
  }
  return backups.sort((a, b) =>
    a.takenAt !== b.takenAt
      ? a.takenAt < b.takenAt
        ? 1
        : -1
      : a.seq !== b.seq
        ? b.seq - a.seq
        : b.copy - a.copy,
  );
}

/** A backup file's facts from its name, its size and its header; undefined when it is gone. */
function backupInfo(file: string): BackupInfo | undefined {
  const name = path.basename(file);
  const match = NAME.exec(name);
  if (match === null) throw new Error(`${name} is not a backup name`);
  const stamp = match[1] ?? "";
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return {
    file,
    name,
    takenAt: `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
    seq: Number(match[2]),
    copy: Number(match[3] ?? 1),
    size,
    schemaVersion: headerUserVersion(file),
  };
}

/**
 * `user_version` read from the file header (bytes 60–63), without opening SQLite: a backup is
 * a single file (sealed), so its header is the whole truth.
 */
function headerUserVersion(file: string): number | undefined {
  const header = Buffer.alloc(100);
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    if (fs.readSync(fd, header, 0, 100, 0) < 100) return undefined;
  } finally {
    fs.closeSync(fd);
  }
  if (header.toString("latin1", 0, 16) !== "SQLite format 3\0") return undefined;
  return header.readInt32BE(60);
}

/**
 * Removes all but the newest `keep` backups, and temp files whose writer is gone (a crash
 * mid-copy). Returns the backups removed.
 */
export function pruneBackups(dir: string, keep: number): string[] {
  const removed = listBackups(dir)
    .slice(Math.max(keep, 1))
    .map((b) => b.file);
  for (const file of removed) fs.rmSync(file, { force: true });
  for (const name of fs.readdirSync(dir)) {
    const pid = TEMP.exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) fs.rmSync(path.join(dir, name), { force: true });
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** What a checked backup holds. */
export interface CheckedBackup {
  file: string;
  seq: number;
  schemaVersion: number;
  size: number;
}

/**
 * Checks a file before it is restored: it opens read-only as SQLite, its schema is not newer
 * than this flux knows, `PRAGMA integrity_check` says ok, and it has Flux's tables.
 */
export function checkBackup(file: string): CheckedBackup {
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw backupNotFound(file);
    // Unreadable is said as such, not taken for damage when SQLite cannot open it.
    fs.accessSync(file, fs.constants.R_OK);
    size = stat.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw backupNotFound(file);
    throw fromSystemError(error) ?? error;
  }
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw fromSystemError(error) ?? backupCorrupt(file, String(error));
  }
  try {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > knownSchemaVersion())
      throw backupSchemaNewer(file, version, knownSchemaVersion());
    const integrity = db.pragma("integrity_check") as { integrity_check: string }[];
    const first = integrity[0]?.integrity_check ?? "no answer";
    if (first !== "ok") throw backupCorrupt(file, `integrity check: ${first}`);
    const tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[]
      ).map((row) => row.name),
    );
    const absent = FLUX_TABLES.filter((t) => !tables.has(t));
    if (absent.length > 0 || version < 1) throw backupNotFlux(file, absent);
    return { file, seq: lastSeq(db), schemaVersion: version, size };
  } catch (error) {
    if (error instanceof FluxError) throw error;
    const translated = fromSqliteError(error, file);
    if (translated?.code === "DB_CORRUPT")
      throw backupCorrupt(file, (error as Error).message || translated.message);
    throw translated ?? error;
  } finally {
    db.close();
  }
}
