/**
 * The words `flux hook` and the daemon share (POST /v1/sessions/:id/hook). Its own module with
 * no imports: a hook runs at every turn's end, and must not load the engine to say so.
 */
export const HOOK_EVENTS = [
  "stop",
  "stop-failure",
  "permission-request",
  "notification",
  "active",
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** `continue`: the hook exits 2 with `reason`, which Claude gives the model as feedback. */
export type HookAnswer = { decision: "continue"; reason: string } | { decision: "none" };
