/**
 * One daemon per repository. The lock is an exclusive SQLite lock on `.work/daemon.lock`,
 * held by an open transaction for the daemon's whole life: the kernel releases it when the
 * process dies, however it dies — unlike a pid file, it cannot go stale.
 */
import Database from "better-sqlite3";

export interface DaemonLock {
  release(): void;
}

/** Takes the lock, or returns undefined when another live process holds it. */
export function tryDaemonLock(file: string): DaemonLock | undefined {
  const db = new Database(file);
  try {
    db.pragma("busy_timeout = 0");
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY") return undefined;
    throw error;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec("COMMIT");
      db.close();
    },
  };
}
