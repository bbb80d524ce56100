/** Catalogue: talking to the daemon — finding it, starting it, losing it. */
import { FluxError } from "./flux-error.ts";

/** `url` is where daemon.json says it listens. */
export function daemonUnreachable(url: string, cause?: unknown): FluxError {
  return new FluxError("DAEMON_UNREACHABLE", `the Flux daemon at ${url} does not answer`, {
    hint: "`flux daemon status` checks it; `flux run` starts a new one",
    data: { url },
    cause,
  });
}

export function daemonNotRunning(): FluxError {
  return new FluxError("DAEMON_NOT_RUNNING", "the Flux daemon is not running", {
    hint: "`flux run` starts it (or `flux daemon start -d`)",
  });
}

export function daemonRunning(): FluxError {
  return new FluxError("DAEMON_RUNNING", "a Flux daemon is already running for this repository", {
    hint: "`flux daemon status` shows it; `flux daemon stop` stops it",
  });
}

/** `why` ends "the daemon …": "exited with 1 while starting", "did not answer in time". */
export function daemonStartFailed(why: string, logFile: string): FluxError {
  return new FluxError("DAEMON_START_FAILED", `the daemon ${why}`, {
    hint: `see ${logFile}`,
    data: { logFile },
  });
}

/**
 * The daemon closed a stream before its end: the event stream of `flux run`, or the answer a
 * command waited for (whatever it was doing carries on without the client).
 */
export function daemonGone(stream: "events" | "answer"): FluxError {
  return stream === "events"
    ? new FluxError("DAEMON_GONE", "the daemon closed the event stream", {
        hint: "see .work/logs/daemon.log; `flux run` starts it again",
      })
    : new FluxError("DAEMON_GONE", "the daemon closed the connection before answering", {
        hint: "what it was doing still lands: `flux status` shows it",
      });
}
