/**
 * Fault injection for the crash tests (`FLUX_FAULTS`), off unless that variable is set: the
 * daemon SIGKILLs itself, a session's runner or its agent right after it commits event N —
 * tied to the event sequence, not to time, so a failure reproduces on a loaded machine.
 *
 *   FLUX_FAULTS="daemon@57,runner@80,agent@102"
 *
 * or the same line in the file `faults` of the repository's per-user state directory, which
 * reaches every daemon however it was started (an agent's `flux stage complete` starts one
 * with the session's environment, which carries no FLUX_* variable of the user's).
 *
 * Each fault fires once, at the first event with seq ≥ N that this daemon commits; one whose
 * point had passed before this daemon started is skipped (an earlier daemon fired it, or died
 * before it could). `runner` kills the runner of the newest open session (its agent lives on,
 * orphaned), `agent` kills that session's agent alone.
 */
import fs from "node:fs";
import path from "node:path";
import type { Store } from "../store/store.ts";
import { openSessions } from "../store/sessions.ts";

export interface Fault {
  what: "daemon" | "runner" | "agent";
  seq: number;
}

/** Parses the variable; malformed entries are an error (a test that asks must get it). */
export function parseFaults(text: string | undefined): Fault[] {
  if (text === undefined || text.trim() === "") return [];
  return text.split(",").map((entry) => {
    const match = /^\s*(daemon|runner|agent)@(\d+)\s*$/.exec(entry);
    if (match === null) throw new Error(`FLUX_FAULTS: "${entry}" is not daemon|runner|agent@<seq>`);
    return { what: match[1] as Fault["what"], seq: Number(match[2]) };
  });
}

/** The faults asked for: FLUX_FAULTS, else `<state dir>/faults`; none when neither is there. */
export function loadFaults(env: NodeJS.ProcessEnv, stateDir: string): Fault[] {
  if (env.FLUX_FAULTS !== undefined) return parseFaults(env.FLUX_FAULTS);
  try {
    return parseFaults(fs.readFileSync(path.join(stateDir, "faults"), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Arms the faults over the store's committed events; returns the unsubscribe. */
export function injectFaults(
  store: Store,
  faults: readonly Fault[],
  log: (line: string) => void,
): () => void {
  if (faults.length === 0) return () => undefined;
  const start = store.lastSeq();
  const pending = faults.filter((f) => f.seq > start).sort((a, b) => a.seq - b.seq);
  log(
    `fault injection from event ${start}: ${pending.map((f) => `${f.what}@${f.seq}`).join(", ") || "nothing left"}`,
  );
  if (pending.length === 0) return () => undefined;
  return store.subscribe((event) => {
    while (pending[0] !== undefined && event.seq >= pending[0].seq) {
      const fault = pending.shift() as Fault;
      fire(store, fault, event.seq, log);
    }
  });
}

function fire(store: Store, fault: Fault, seq: number, log: (line: string) => void): void {
  if (fault.what === "daemon") {
    log(`fault injection: SIGKILL to the daemon after event ${seq}`);
    process.kill(process.pid, "SIGKILL");
    return;
  }
  const plan = store.activePlan();
  const session =
    plan === undefined
      ? undefined
      : openSessions(store, plan.id)
          .filter((s) => s.pid !== null)
          .at(-1);
  if (session?.pid == null) {
    log(`fault injection: no session to kill a ${fault.what} of after event ${seq}`);
    return;
  }
  const pid = fault.what === "agent" ? session.pid : parentOf(session.pid);
  if (pid === undefined) return;
  log(
    `fault injection: SIGKILL to the ${fault.what} of ${session.id} (pid ${pid}) after event ${seq}`,
  );
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}
