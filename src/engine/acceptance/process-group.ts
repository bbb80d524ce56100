/**
 * Each check runs as the leader of its own process group (`detached: true`), so one signal to
 * the group reaches everything the command started: a test runner's workers, a server it left
 * in the background, `sleep 60 & sleep 60`.
 */

/** Sends a signal to a whole group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * SIGTERM to the group now, SIGKILL after `graceMs` to whatever ignored it. The SIGKILL timer
 * is unref'd: while a member still holds the check's output pipes the run is waiting anyway,
 * and a member that let go of them must not keep Flux alive by itself.
 */
export function terminateGroup(pgid: number, graceMs: number): void {
  if (!signalGroup(pgid, "SIGTERM")) return;
  setTimeout(() => signalGroup(pgid, "SIGKILL"), graceMs).unref();
}
