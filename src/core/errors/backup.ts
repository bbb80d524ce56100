/** Catalogue: backups of the store and restoring one (`flux backup`, store/backup.ts). */
import { FluxError } from "./flux-error.ts";

export function backupNotFound(file: string): FluxError {
  return new FluxError("BACKUP_NOT_FOUND", `no backup file ${file}`, {
    hint: "`flux backup list` shows the backups (a name alone is looked up in .work/backups/)",
    data: { file },
  });
}

/** `detail` is what SQLite said: the integrity check's first line, or why it could not open. */
export function backupCorrupt(file: string, detail: string): FluxError {
  return new FluxError("BACKUP_CORRUPT", `the backup ${file} is damaged: ${detail}`, {
    hint: "restore another one: `flux backup list` shows them",
    data: { file, detail },
  });
}

/** A SQLite database, but not one Flux wrote: `missing` names the tables it lacks. */
export function backupNotFlux(file: string, missing: readonly string[]): FluxError {
  return new FluxError(
    "BACKUP_NOT_FLUX",
    `${file} is not a Flux database${missing.length === 0 ? "" : ` (no ${missing.join(", ")} table)`}`,
    {
      hint: "restore a file `flux backup` wrote: `flux backup list` shows them",
      data: { file, missing: [...missing] },
    },
  );
}

export function backupSchemaNewer(file: string, version: number, known: number): FluxError {
  return new FluxError(
    "BACKUP_SCHEMA_NEWER",
    `the backup ${file} has schema version ${version}, newer than this flux understands (${known})`,
    {
      hint: "restore it with the newer flux that wrote it (`flux self-update`), or pick an older backup",
      data: { file, version, known },
    },
  );
}

export function backupDaemonRunning(): FluxError {
  return new FluxError(
    "BACKUP_DAEMON_RUNNING",
    "a Flux daemon is running for this repository: a restore would pull the store from under it",
    { hint: "`flux daemon stop`, then restore; sessions keep running in tmux meanwhile" },
  );
}

/** Another process has the database open: replacing the file would leave it writing to the old one. */
export function backupDbInUse(file: string): FluxError {
  return new FluxError("BACKUP_DB_IN_USE", `another process has ${file} open`, {
    hint: "let it finish (`fuser .work/flux.db` names it; a `flux status --watch` counts), then restore again",
    data: { file },
  });
}
