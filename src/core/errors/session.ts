/** Catalogue: agent sessions and the hooks their agents call. */
import { FluxError } from "./flux-error.ts";

/** `ref` is what the caller named: a session id, a session name or a stage id. */
export function sessionNotFound(ref: string): FluxError {
  return new FluxError("SESSION_NOT_FOUND", `no live session for "${ref}"`, {
    hint: "it has ended or was never started; `flux attach list` shows the live ones",
    data: { name: ref },
  });
}

/**
 * No session of any state has that id (`flux sessions kill`). Session ids look like
 * `ses_0m3k2x9a1f3c9e0b7d2`; `hint` says what to use instead (the stage's live session, a list).
 */
export function unknownSession(ref: string, hint: string): FluxError {
  return new FluxError(
    "SESSION_NOT_FOUND",
    ref.startsWith("ses_")
      ? `no session "${ref}" in this repository`
      : `no session "${ref}": session ids look like ses_0m3k2x9a1f3c9e0b7d2`,
    { hint, data: { name: ref } },
  );
}

/**
 * A session that already ended: there is nothing left to stop. `status` is how it ended; `live`
 * is the session its stage runs now, if any (the one the caller may have meant).
 */
export function sessionEnded(
  id: string,
  stageId: string,
  status: string,
  live?: string,
): FluxError {
  return new FluxError(
    "SESSION_ENDED",
    `${id} (stage ${stageId}) has already ended (${status}): there is nothing to kill`,
    {
      hint:
        live === undefined
          ? "`flux sessions list` shows the live sessions"
          : `stage ${stageId} runs in ${live} now: \`flux sessions kill ${live}\` stops that one`,
      data: { session: id, stageId, status },
    },
  );
}

export function sessionExists(name: string): FluxError {
  return new FluxError("SESSION_EXISTS", `session ${name} is already running`, {
    hint: "attach to it (`flux attach`) or end it before starting another",
    data: { name },
  });
}

/** `known` lists the events the caller handles. */
export function unknownHookEvent(event: string, known: readonly string[]): FluxError {
  return new FluxError("HOOK_UNKNOWN", `unknown hook event ${JSON.stringify(event)}`, {
    hint: `events: ${known.join(", ")}`,
    data: { event },
  });
}
