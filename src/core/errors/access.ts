/**
 * Catalogue: where a command may act — a repository with `.work/`, an active plan, a human's
 * terminal rather than an agent's session, a token the daemon accepts — and what a request
 * body must be.
 */
import { FluxError } from "./flux-error.ts";

/** No `.work/flux.db` in the directory or above it. */
export function notInitialised(): FluxError {
  return new FluxError(
    "NOT_INITIALISED",
    "no Flux plan here: .work/flux.db not found in this directory or above",
    {
      hint: "run `flux init <plan-path>` in the repository first (`flux plan new <name>` writes a template)",
    },
  );
}

export function noActivePlan(): FluxError {
  return new FluxError("NO_ACTIVE_PLAN", "no active plan in .work/flux.db", {
    hint: "run `flux init <plan-path>`",
  });
}

/** Manual transitions, gates and runs are for a human, not for an agent inside a session. */
export function refusedInSession(what: string, sessionId: string): FluxError {
  return new FluxError(
    "REFUSED_IN_SESSION",
    `${what} is refused inside a Flux session (FLUX_SESSION_ID=${sessionId})`,
    {
      hint: "a human runs this from their own terminal; an agent asks with `flux stage complete`",
      data: { sessionId },
    },
  );
}

export function unauthorized(): FluxError {
  return new FluxError("UNAUTHORIZED", "missing or unknown token", {
    hint: "clients read the admin token from .work/daemon.json; sessions use FLUX_SESSION_TOKEN",
  });
}

/** What a session's token may not do: an admin route, another stage, another session. */
export const forbidden = {
  route(method: string, path: string): FluxError {
    return new FluxError("FORBIDDEN", `a session's token cannot ${method} ${path}`, {
      hint: "gates, merges, runs and forced transitions are for the human's CLI",
    });
  },
  otherStage(own: string, target: string): FluxError {
    return new FluxError("FORBIDDEN", `this session works on ${own}, not ${target}`, {
      hint: "a session acts only for its own stage",
      data: { stageId: own, target },
    });
  },
  otherSession(): FluxError {
    return new FluxError("FORBIDDEN", "this token belongs to another session", {
      hint: "a session acts only for itself",
    });
  },
};

/** A request body the daemon cannot use; `message` names the field and what it must be. */
export function badRequest(message: string, hint?: string): FluxError {
  return new FluxError("BAD_REQUEST", message, { hint });
}
