/**
 * `flux backup [create] | list | restore <file>`: online backups of `.work/flux.db`
 * (store/backup.ts, store/restore.ts). A backup is safe beside a running daemon; a restore is
 * refused while one runs, and holds the daemon's lock while it works so none starts meanwhile.
 */
import fs from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { ExitCode, FluxError, backupDaemonRunning, fromSqliteError } from "../../core/errors.ts";
import { tryDaemonLock } from "../../server/lock.ts";
import type { BackupInfo } from "../../store/backup.ts";
import { checkBackup, listBackups, takeBackup } from "../../store/backup.ts";
import { openDb } from "../../store/db.ts";
import type { WorkPaths } from "../../store/paths.ts";
import { WORK_DIR_NAME, workPaths } from "../../store/paths.ts";
import { restoreBackup } from "../../store/restore.ts";
import { lastSeq } from "../../store/events.ts";
import { loadSettings, openStore, refuseInsideSession, requireWorkPaths } from "../context.ts";
import type { CommandContext } from "../main.ts";
import { json, pad, paint } from "../output.ts";

export async function backupCreate(ctx: CommandContext, opts: { json?: boolean }): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const config = loadSettings(ctx, paths);
  using store = openStore(paths);
  const result = await takeBackup(store.db, { dir: paths.backupsDir, keep: config.backup.keep });
  if (opts.json === true) {
    ctx.output.out(json(result));
    return ExitCode.ok;
  }
  const rel = (file: string) => path.relative(paths.root, file);
  if (!result.taken) {
    ctx.output.out(
      `Nothing changed since ${rel(result.newest.file)} (seq ${result.newest.seq}): no new backup.`,
    );
    return ExitCode.ok;
  }
  const { backup, removed } = result;
  ctx.output.out(
    `Backed up .work/flux.db to ${rel(backup.file)} (seq ${backup.seq}, ${size(backup.size)}).`,
  );
  if (removed.length > 0)
    ctx.output.out(
      paint(
        ctx.output.color,
        "dim",
        `Removed ${removed.length} older backup${removed.length === 1 ? "" : "s"} ([backup] keep = ${config.backup.keep}).`,
      ),
    );
  return ExitCode.ok;
}

export function backupList(ctx: CommandContext, opts: { json?: boolean }): Promise<number> {
  const paths = requireWorkPaths(ctx.cwd, ctx.env);
  const backups = listBackups(paths.backupsDir);
  if (opts.json === true) {
    ctx.output.out(json(backups));
    return Promise.resolve(ExitCode.ok);
  }
  if (backups.length === 0) {
    ctx.output.out(
      "No backups in .work/backups/ yet: `flux backup` takes one, and the daemon takes one at start and every [backup] interval.",
    );
    return Promise.resolve(ExitCode.ok);
  }
  const width = Math.max(...backups.map((b) => b.name.length)) + 2;
  ctx.output.out(
    paint(
      ctx.output.color,
      "dim",
      `${pad("BACKUP", width)}${pad("TAKEN", 22)}${pad("SEQ", 9)}${pad("SIZE", 11)}SCHEMA`,
    ),
  );
  for (const b of backups) ctx.output.out(row(b, width));
  return Promise.resolve(ExitCode.ok);
}

function row(b: BackupInfo, width: number): string {
  const taken = b.takenAt.replace("T", " ");
  return `${pad(b.name, width)}${pad(taken, 22)}${pad(String(b.seq), 9)}${pad(size(b.size), 11)}${b.schemaVersion ?? "?"}`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export async function backupRestore(
  ctx: CommandContext,
  file: string,
  opts: { yes?: boolean; json?: boolean },
): Promise<number> {
  refuseInsideSession(ctx.env, `flux backup restore ${file}`);
  const paths = restorePaths(ctx);
  const source = backupFile(ctx.cwd, paths, file);
  // Checked before anything else: a bad file is said first, whatever else is in the way.
  const checked = checkBackup(source);
  // The daemon's own lock: refused while it runs, and none starts until the restore is done.
  const lock = tryDaemonLock(paths.daemonLock);
  if (lock === undefined) throw backupDaemonRunning();
  try {
    const rel = (f: string) => path.relative(paths.root, f) || f;
    const question = `Replace .work/flux.db (seq ${currentSeq(paths) ?? "?"}) with ${rel(source)} (seq ${checked.seq})? The current one is backed up first. [y/N] `;
    if (opts.yes !== true && !(await confirm(question))) {
      ctx.output.out("Not restored: nothing changed.");
      return ExitCode.ok;
    }
    const result = await restoreBackup(paths, source);
    if (opts.json === true) {
      ctx.output.out(json(result));
      return ExitCode.ok;
    }
    ctx.output.out(`Restored .work/flux.db from ${rel(source)} (seq ${result.restored.seq}).`);
    const saved = result.saved;
    if (saved !== undefined)
      ctx.output.out(
        saved.damaged
          ? `The damaged database was copied as it was to ${rel(saved.file)}.`
          : `The database as it was (seq ${saved.seq}) is in ${rel(saved.file)}: \`flux backup restore ${path.basename(saved.file)}\` brings it back.`,
      );
    ctx.output.out(
      paint(
        ctx.output.color,
        "dim",
        `Projections under .work/ rewritten (${result.written} files${result.removed > 0 ? `, ${result.removed} stray removed` : ""}). Worktrees, branches and sessions are as they were: \`flux validate\` compares them with the restored store.`,
      ),
    );
    return ExitCode.ok;
  } finally {
    lock.release();
  }
}

/** `.work/` of this repository, also when `flux.db` itself was moved aside (it was damaged). */
function restorePaths(ctx: CommandContext): WorkPaths {
  try {
    return requireWorkPaths(ctx.cwd, ctx.env);
  } catch (error) {
    if (!(error instanceof FluxError && error.code === "NOT_INITIALISED")) throw error;
    for (let dir = path.resolve(ctx.cwd); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, WORK_DIR_NAME, "backups"))) return workPaths(dir);
      if (path.dirname(dir) === dir) throw error;
    }
  }
}

/** A path as given, or a bare name looked up in `.work/backups/`. */
function backupFile(cwd: string, paths: WorkPaths, given: string): string {
  const direct = path.resolve(cwd, given);
  if (fs.existsSync(direct) || given.includes("/")) return direct;
  const inBackups = path.join(paths.backupsDir, given);
  return fs.existsSync(inBackups) ? inBackups : direct;
}

/** The current database's last seq, for the question; undefined when it cannot be read. */
function currentSeq(paths: WorkPaths): number | undefined {
  if (!fs.existsSync(paths.db)) return undefined;
  try {
    const db = openDb(paths.db, { readonly: true });
    try {
      return lastSeq(db);
    } finally {
      db.close();
    }
  } catch (error) {
    if (error instanceof FluxError || fromSqliteError(error, paths.db) !== undefined)
      return undefined;
    throw error;
  }
}

async function confirm(question: string): Promise<boolean> {
  if (process.stdin.isTTY !== true)
    throw new FluxError("DECISION_REQUIRED", "not a terminal: say --yes to restore", {
      hint: "`flux backup restore <file> --yes`",
    });
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(question)).trim().toLowerCase();
    return answer === "y" || answer === "yes";
  } finally {
    rl.close();
  }
}
