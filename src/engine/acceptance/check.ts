/**
 * One acceptance check: `sh -c <command>` as its own process group, output captured, timeout
 * enforced on the whole group.
 *
 * A check ends when its shell has exited and its output pipes have closed. Anything the
 * command left running in its group (a server started in the background) is terminated when
 * the shell exits: it would hold the pipes open, and perhaps a port the next check needs. A
 * process that escaped the group (setsid) and still holds the pipes is not waited for beyond
 * the kill grace: its output is cut off.
 */
import { spawn } from "node:child_process";
import { ExitCode, FluxError } from "../../core/errors.ts";
import type { Acceptance } from "../../core/plan/model.ts";
import { failureReason } from "./format.ts";
import { signalGroup, terminateGroup } from "./process-group.ts";
import { OutputTail, StreamContains } from "./tail.ts";
import type { CheckResult, RunAcceptanceOptions } from "./types.ts";

export interface CheckContext extends Pick<
  RunAcceptanceOptions,
  "cwd" | "env" | "onProgress" | "signal" | "onSpawn"
> {
  now: () => number;
  killGraceMs: number;
}

/** setTimeout fires at once for delays beyond 2^31-1 ms (~24.8 days); clamp to that. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After the shell exits and its group was told to stop, how much longer pipes may stay open. */
const DRAIN_EXTRA_MS = 1_000;

/** The abort reason as thrown: the signal's own reason when it is an Error (the default is). */
export function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error("acceptance run aborted", { cause: reason });
}

/** Runs one check. Rejects with the abort reason when aborted, once its group is gone. */
export function runCheck(
  check: Acceptance,
  index: number,
  ctx: CheckContext,
): Promise<CheckResult> {
  return new Promise<CheckResult>((resolve, reject) => {
    const started = ctx.now();
    ctx.onProgress?.({ type: "check_started", index, command: check.command });
    const child = spawn("sh", ["-c", check.command], {
      cwd: ctx.cwd,
      env: ctx.env,
      detached: true,
      // No stdin: a command waiting for input would otherwise hang until its timeout.
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid !== undefined) ctx.onSpawn?.(child.pid);

    const tail = new OutputTail();
    const contains =
      check.stdoutContains === undefined ? undefined : new StreamContains(check.stdoutContains);
    let timedOut = false;
    let aborted = false;
    let stopping = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const stop = (): void => {
      if (stopping || child.pid === undefined) return;
      stopping = true;
      terminateGroup(child.pid, ctx.killGraceMs);
    };
    const timer = setTimeout(
      () => {
        timedOut = true;
        stop();
      },
      Math.min(check.timeoutMs, MAX_TIMER_MS),
    );
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    ctx.signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = (): void => {
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      ctx.signal?.removeEventListener("abort", onAbort);
    };

    for (const stream of ["stdout", "stderr"] as const) {
      const pipe = child[stream];
      pipe.setEncoding("utf8"); // decodes across chunk boundaries: no split characters
      pipe.on("data", (text: string) => {
        tail.push(text);
        if (stream === "stdout") contains?.push(text);
        ctx.onProgress?.({ type: "output", index, stream, text });
      });
    }

    child.on("error", (error) => {
      if (settled) return;
      cleanup();
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      reject(
        new FluxError("ACCEPTANCE_START", `cannot run \`sh -c\` in ${ctx.cwd}: ${error.message}`, {
          hint: "check that the directory exists and `sh` is on PATH",
          exitCode: ExitCode.environment,
          data: { command: check.command, cwd: ctx.cwd },
          cause: error,
        }),
      );
    });

    child.on("exit", (code, signal) => {
      if (settled) return;
      exit = { code, signal };
      clearTimeout(timer);
      // Leftovers in the group: end them, so the pipes close and nothing outlives the check.
      if (child.pid !== undefined && signalGroup(child.pid, 0)) stop();
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, ctx.killGraceMs + DRAIN_EXTRA_MS);
    });

    child.on("close", () => {
      if (settled) return;
      cleanup();
      if (aborted) {
        reject(abortError(ctx.signal));
        return;
      }
      const durationMs = ctx.now() - started;
      const code = exit?.code ?? null;
      const signal = exit?.signal ?? null;
      const reason = failureReason(check, { code, signal, timedOut, stdoutFound: contains?.found });
      const output = tail.result();
      const passed = reason === undefined;
      ctx.onProgress?.({ type: "check_finished", index, passed, exitCode: code, durationMs });
      resolve({
        command: check.command,
        exitCode: code,
        signal,
        timedOut,
        durationMs,
        outputTail: output.text,
        outputTruncated: output.truncated,
        passed,
        skipped: false,
        ...(passed ? {} : { reason }),
      });
    });
  });
}
