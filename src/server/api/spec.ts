/**
 * The daemon's routes by name: method, path, who may call them, and whether they answer with one
 * JSON body or an NDJSON stream. Free of zod on purpose: the CLI's client imports it at run time,
 * and `flux hook`, `flux runner` and `flux stage complete` are on hot paths where zod's 20–80 ms
 * of loading would show. The schemas of each route live in ./schemas/, joined with these specs
 * into the one route table in ./table.ts; both are keyed by the same names, and the table's
 * `satisfies` makes a route missing on either side a type error.
 */

/**
 * Who may call a route. `admin`: the admin token only (the human's CLI, the dashboard).
 * `stage`: the admin, or a session acting for its own stage (`{id}` is that stage).
 * `session`: the admin, or the session `{id}` itself. `any`: any valid token.
 */
export type PrincipalRule = "any" | "admin" | "stage" | "session";

export interface RouteSpec {
  /** Lowercase, as OpenAPI writes it. */
  method: "get" | "post";
  /** OpenAPI style: `{id}` is a path parameter. */
  path: string;
  principal: PrincipalRule;
  /** `json`: one body. `ndjson`: a stream of JSON lines, the last one an error if it fails. */
  reply: "json" | "ndjson";
  summary: string;
}

export const ROUTES = {
  health: {
    method: "get",
    path: "/v1/health",
    principal: "any",
    reply: "json",
    summary: "Whether the daemon answers: its pid and version, and who the token belongs to.",
  },
  openapi: {
    method: "get",
    path: "/v1/openapi.json",
    principal: "any",
    reply: "json",
    summary: "This API as an OpenAPI 3.1 document, generated from the route table.",
  },
  notify: {
    method: "post",
    path: "/v1/notify",
    principal: "any",
    reply: "json",
    summary:
      "Another process changed the store: read its events and schedule. `sessions: true` also checks which sessions are still alive.",
  },
  shutdown: {
    method: "post",
    path: "/v1/shutdown",
    principal: "admin",
    reply: "json",
    summary: "Stops the daemon after answering; the work in flight drains first.",
  },
  run: {
    method: "post",
    path: "/v1/run",
    principal: "admin",
    reply: "json",
    summary:
      "Widens the run's scope (a stage, with its dependencies or not), its parallelism and the environment sessions inherit.",
  },
  setFlow: {
    method: "post",
    path: "/v1/flow",
    principal: "admin",
    reply: "json",
    summary:
      "Flow control: `paused` (no session starts, nothing merges), `draining` (no new stage starts) or `running`; kept across restarts.",
  },
  progress: {
    method: "get",
    path: "/v1/progress",
    principal: "admin",
    reply: "json",
    summary: "Where the run stands: done, still moving, or waiting on people (and on what).",
  },
  events: {
    method: "get",
    path: "/v1/events",
    principal: "any",
    reply: "ndjson",
    summary:
      "The event log from `since`, then live: every event, a `caught_up` line once the past is sent, a `settled` line after each scheduling pass.",
  },
  completeStage: {
    method: "post",
    path: "/v1/stages/{id}/complete",
    principal: "stage",
    reply: "ndjson",
    summary:
      "A completion request: the acceptance runs on the stage's last commit; progress lines, then the verdict. Refusals come before the stream starts.",
  },
  stageEvidence: {
    method: "post",
    path: "/v1/stages/{id}/evidence",
    principal: "admin",
    reply: "ndjson",
    summary:
      "A gate's evidence: the acceptance again, commits and diff stat, for a stage at its gate.",
  },
  approveStage: {
    method: "post",
    path: "/v1/stages/{id}/approve",
    principal: "admin",
    reply: "json",
    summary: "Approves a stage at its gate.",
  },
  rejectStage: {
    method: "post",
    path: "/v1/stages/{id}/reject",
    principal: "admin",
    reply: "json",
    summary: "Rejects a stage at its gate: a new session works from the reason.",
  },
  mergeStage: {
    method: "post",
    path: "/v1/stages/{id}/merge",
    principal: "admin",
    reply: "json",
    summary: "Merges a completed or verified stage now, or says why not.",
  },
  resolveStage: {
    method: "post",
    path: "/v1/stages/{id}/resolve",
    principal: "admin",
    reply: "json",
    summary:
      "A stage blocked by a conflict with the base gets a session that merges the base in and resolves it.",
  },
  resumeStage: {
    method: "post",
    path: "/v1/stages/{id}/resume",
    principal: "admin",
    reply: "json",
    summary: "A blocked or failed stage starts again with a recovery signal.",
  },
  forceStage: {
    method: "post",
    path: "/v1/stages/{id}/force",
    principal: "admin",
    reply: "json",
    summary:
      "A manual edge a human forces (complete --force, block, reset, skip, cancel): the CLI sends it here while a daemon runs.",
  },
  createHandoff: {
    method: "post",
    path: "/v1/stages/{id}/handoff",
    principal: "stage",
    reply: "json",
    summary:
      "A session hands its stage to a fresh one: its handoff document (markdown or JSON) is checked, stored with what Flux knows, and the stage goes to needs_handoff.",
  },
  listHandoffs: {
    method: "get",
    path: "/v1/stages/{id}/handoffs",
    principal: "stage",
    reply: "json",
    summary: "A stage's handoffs, oldest first.",
  },
  getSession: {
    method: "get",
    path: "/v1/sessions/{id}",
    principal: "session",
    reply: "json",
    summary: "One session as the store has it (null when unknown).",
  },
  sessionStarted: {
    method: "post",
    path: "/v1/sessions/{id}/started",
    principal: "session",
    reply: "json",
    summary: "A runner says its agent is running.",
  },
  sessionExited: {
    method: "post",
    path: "/v1/sessions/{id}/exited",
    principal: "session",
    reply: "json",
    summary: "A runner reports its session's end: exit code or signal, and the agent's telemetry.",
  },
  sessionHeartbeat: {
    method: "post",
    path: "/v1/sessions/{id}/heartbeat",
    principal: "session",
    reply: "json",
    summary:
      "A runner says its agent still runs (every `[health] heartbeat`): a session whose beats stop is checked, and ended as lost when its process is gone.",
  },
  sessionHook: {
    method: "post",
    path: "/v1/sessions/{id}/hook",
    principal: "session",
    reply: "json",
    summary:
      "An interactive agent's hook (`flux hook <event>`): waiting for input, active again, stop reminders.",
  },
  sessionContext: {
    method: "post",
    path: "/v1/sessions/{id}/context",
    principal: "session",
    reply: "json",
    summary:
      "A session's context after a model call (its runner) or around a tool call (its hooks): recorded, and what the agent must do now — nothing, write its handoff, or stop.",
  },
  killSession: {
    method: "post",
    path: "/v1/sessions/{id}/kill",
    principal: "admin",
    reply: "json",
    summary: "Ends a session; its stage waits for a human (`flux resume`).",
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** Routes answering one JSON body, and routes answering an NDJSON stream. */
export type JsonRouteName = {
  [N in RouteName]: (typeof ROUTES)[N]["reply"] extends "json" ? N : never;
}[RouteName];
export type StreamRouteName = Exclude<RouteName, JsonRouteName>;

/** The content type of a stream's body. */
export const NDJSON = "application/x-ndjson";

/** `/v1/stages/{id}/merge` with `{id: "a"}` → `/v1/stages/a/merge` (each value URI-encoded). */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new TypeError(`${template}: no value for {${key}}`);
    return encodeURIComponent(value);
  });
}
