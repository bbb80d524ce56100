/**
 * Is this process running inside one of a repository's sessions, whatever its environment
 * says? An agent can unset FLUX_SESSION_ID; it cannot change which processes started it. The
 * session's runner (`flux runner <session-id>`) is among the ancestors of everything the agent
 * runs, with the repository's `.work` in its own environment. Linux only (/proc): elsewhere the
 * answer is "not found" and only the environment check holds (docs say so).
 */
import fs from "node:fs";

export interface RunnerAncestor {
  pid: number;
  sessionId: string;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    // Gone, or not ours to read: not a runner of ours.
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * The nearest ancestor that is a Flux runner of the repository whose `.work` is `work`, if
 * any. Runners of other repositories (Flux working on Flux) do not count.
 */
export function runnerAncestor(work: string, from = process.ppid): RunnerAncestor | undefined {
  if (!fs.existsSync("/proc/self/stat")) return undefined;
  const ours = realpath(work);
  const seen = new Set<number>();
  for (let pid: number | undefined = from; pid !== undefined && pid > 1; pid = parentOf(pid)) {
    if (seen.has(pid)) break;
    seen.add(pid);
    const argv = (read(`/proc/${pid}/cmdline`) ?? "").split("\0");
    const at = argv.indexOf("runner");
    const sessionId = at >= 0 ? argv[at + 1] : undefined;
    if (sessionId === undefined || !sessionId.startsWith("ses_")) continue;
    const environ = (read(`/proc/${pid}/environ`) ?? "").split("\0");
    const workDir = environ.find((e) => e.startsWith("FLUX_WORK_DIR="))?.slice(14);
    if (workDir !== undefined && realpath(workDir) === ours) return { pid, sessionId };
  }
  return undefined;
}
