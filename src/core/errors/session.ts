/** Catalogue: agent sessions and the hooks their agents call. */
import { FluxError } from "./flux-error.ts";

/** `ref` is what the caller named: a session id, a session name or a stage id. */
export function sessionNotFound(ref: string): FluxError {
  return new FluxError("SESSION_NOT_FOUND", `no live session for "${ref}"`, {
    hint: "it has ended or was never started; `flux attach list` shows the live ones",
    data: { name: ref },
  });
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
