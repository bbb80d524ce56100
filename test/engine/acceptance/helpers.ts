/** Helpers for acceptance tests: a minimal environment, process liveness, a fake clock. */
import fs from "node:fs";
import type { Acceptance } from "../../../src/core/plan/model.ts";

/** Only what `sh` and coreutils need: checks get exactly the environment they are given. */
export const ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

export function check(command: string, extra: Partial<Acceptance> = {}): Acceptance {
  return { command, timeoutMs: 20_000, expectExit: 0, ...extra };
}

/**
 * Whether a process is gone. A killed orphan stays a zombie until init reaps it, and some
 * container inits never do; a zombie runs nothing, so it counts as gone.
 */
export function isGone(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
  return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}

/**
 * Waits until a process is gone, for at most `timeoutMs`. A killed process closes its pipes
 * (which ends the check) a moment before the kernel marks it exited, so the check's end is not
 * yet proof; this is a bounded wait on the condition, not a fixed sleep.
 */
export async function waitGone(pid: number, timeoutMs = 2_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!isGone(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/** A clock that advances by `step` ms on every reading. */
export function steppingClock(step: number): () => number {
  let t = 0;
  return () => (t += step);
}

/** The first number after `label ` in some output. */
export function pidAfter(label: string, output: string): number {
  const match = new RegExp(`${label} (\\d+)`).exec(output);
  if (match === null) throw new Error(`no "${label} <pid>" in output: ${output}`);
  return Number(match[1]);
}
