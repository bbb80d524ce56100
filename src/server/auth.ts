/**
 * Who is calling: every request carries a bearer token, the admin token (the human's CLI, the
 * dashboard) or a session's own (hashed in the `sessions` table). Each route of the table says
 * which principal may call it (PrincipalRule in api/spec.ts); `allow` enforces that before the
 * route's input is even read.
 */
import type { MiddlewareHandler } from "hono";
import { forbidden, unauthorized } from "../core/errors.ts";
import { hashToken, sameToken } from "../engine/ids.ts";
import { sessionByTokenHash } from "../store/sessions.ts";
import type { Store } from "../store/store.ts";
import type { PrincipalRule } from "./api/spec.ts";

export type Principal = { kind: "admin" } | { kind: "session"; sessionId: string; stageId: string };

/** What the daemon's hono app keeps per request. */
export interface AppEnv {
  Variables: { principal: Principal };
}

export function principalOf(
  store: Store,
  adminToken: string,
  header: string | undefined,
): Principal | undefined {
  const presented = header?.startsWith("Bearer ") === true ? header.slice(7).trim() : "";
  if (presented === "") return undefined;
  if (sameToken(presented, adminToken)) return { kind: "admin" };
  const session = sessionByTokenHash(store, hashToken(presented));
  // A session's token dies with its session: a crashed session's agent, still running
  // somewhere, cannot complete the stage its successor now works on.
  return session === undefined || session.endedAt !== null
    ? undefined
    : { kind: "session", sessionId: session.id, stageId: session.stageId };
}

/** Refuses a request without a known token (401); otherwise records its principal. */
export function authenticate(store: Store, adminToken: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = principalOf(store, adminToken, c.req.header("authorization"));
    if (principal === undefined) throw unauthorized();
    c.set("principal", principal);
    await next();
  };
}

/** Refuses a principal the route does not allow (403); `{id}` is the stage or session asked for. */
export function allow(rule: PrincipalRule): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get("principal");
    if (principal.kind === "session") {
      const id = c.req.param("id");
      if (rule === "admin") throw forbidden.route(c.req.method, c.req.path);
      if (rule === "stage" && principal.stageId !== id)
        throw forbidden.otherStage(principal.stageId, id ?? "");
      if (rule === "session" && principal.sessionId !== id) throw forbidden.otherSession();
    }
    await next();
  };
}
