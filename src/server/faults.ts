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
 * Each fault fires once (the ones fired are listed in `<state dir>/faults.fired`), at the first
 * event with seq ≥ N that a daemon commits — a `runner` or `agent` fault at the first such event
 * with a live session to kill, in this daemon or the next. A daemon fault whose point had
 * passed before this daemon started is skipped (its daemon died before it could fire).
 * `runner` kills the runner of an open session (`target`: its agent lives on, orphaned),
 * `agent` kills that session's agent alone.
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
  stateDir: string,
): () => void {
  if (faults.length === 0) return () => undefined;
  const start = store.lastSeq();
  const firedFile = path.join(stateDir, "faults.fired");
  const fired = new Set(readFired(firedFile));
  const pending = faults
    .filter((f) => !fired.has(nameOf(f)) && (f.what !== "daemon" || f.seq > start))
    .sort((a, b) => a.seq - b.seq);
  log(
    `fault injection from event ${start}: ${pending.map((f) => `${f.what}@${f.seq}`).join(", ") || "nothing left"}`,
  );
  if (pending.length === 0) return () => undefined;
  return store.subscribe((event) => {
    for (const fault of pending.filter((f) => event.seq >= f.seq)) {
      const victim = fault.what === "daemon" ? undefined : target(store);
      if (fault.what !== "daemon" && victim === undefined) continue;
      // Written before it fires: a daemon that kills itself knows it did, when it starts again.
      fs.appendFileSync(firedFile, `${nameOf(fault)}\n`);
      pending.splice(pending.indexOf(fault), 1);
      fire(fault, victim, event.seq, log);
    }
  });
}

function nameOf(fault: Fault): string {
  return `${fault.what}@${fault.seq}`;
}

function readFired(file: string): string[] {
  try {
    return fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * What a runner or agent fault kills: an open session with a live runner, of the stage that
 * has been restarted least (so the kills spread over the stages instead of using up one's
 * retries).
 */
function target(store: Store): { id: string; pid: number } | undefined {
  const plan = store.activePlan();
  if (plan === undefined) return undefined;
  const retries = (stageId: string) => store.stage(plan.id, stageId)?.retries ?? 0;
  const session = openSessions(store, plan.id)
    .filter((s) => s.pid !== null && parentOf(s.pid) !== undefined)
    .sort((a, b) => retries(a.stageId) - retries(b.stageId))
    .at(0);
  return session?.pid == null ? undefined : { id: session.id, pid: session.pid };
}

/** Kills the daemon itself, or the runner or agent of `session` (`target`'s pick). */
function fire(
  fault: Fault,
  session: { id: string; pid: number } | undefined,
  seq: number,
  log: (line: string) => void,
): void {
  if (fault.what === "daemon") {
    log(`fault injection: SIGKILL to the daemon after event ${seq}`);
    process.kill(process.pid, "SIGKILL");
    return;
  }
  if (session === undefined) return;
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
