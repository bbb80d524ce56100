/**
 * The daemon's backups (`[backup]`): one when it starts, then one every `interval` — a single
 * timer, armed again when each backup ends and unref'd, so it never keeps the process alive on
 * its own. A backup is skipped when nothing changed since the newest (store/backup.ts), so an
 * idle repository gains no files. A backup that fails (a full disk) is logged and the next one
 * is tried at its time: a missing backup must not stop the engine.
 */
import path from "node:path";
import type { Db } from "../store/db.ts";
import { takeBackup } from "../store/backup.ts";

export interface BackupScheduleOptions {
  db: Db;
  /** The backups directory (`WorkPaths.backupsDir`). */
  dir: string;
  /** Between backups, in ms; 0 takes none at all. */
  intervalMs: number;
  /** Backups kept, newest first. */
  keep: number;
  log: (line: string) => void;
  clock?: (() => Date) | undefined;
}

export interface BackupSchedule {
  /** Clears the timer and waits for a backup in flight (the store closes after it). */
  stop(): Promise<void>;
}

/** setTimeout's longest delay: a longer interval backs up once this often instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function startBackups(options: BackupScheduleOptions): BackupSchedule {
  const { intervalMs, log } = options;
  if (intervalMs <= 0) return { stop: () => Promise.resolve() };
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const run = (): void => {
    timer = undefined;
    inFlight = takeBackup(options.db, options)
      .then(
        (result) => {
          if (!result.taken) return;
          const removed = result.removed.length;
          log(
            `backup ${path.basename(result.backup.file)} (seq ${result.backup.seq})${removed > 0 ? `; removed ${removed} older` : ""}`,
          );
        },
        (error: unknown) =>
          log(`backup failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        inFlight = undefined;
        if (stopped) return;
        timer = setTimeout(run, Math.min(intervalMs, MAX_TIMER_MS));
        timer.unref();
      });
  };
  run();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
