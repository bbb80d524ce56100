/**
 * The words `flux hook` and the daemon share (POST /v1/sessions/:id/hook). Its own module with
 * no imports: a hook runs at every turn's end, and must not load the engine to say so.
 */
export const HOOK_EVENTS = [
  "stop",
  "pre-compact",
  "stop-failure",
  "permission-request",
  "notification",
  "active",
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/**
 * `continue`: the hook exits 2 with `reason`, which Claude gives the model as feedback (Stop).
 * `block`: the hook refuses what Claude was about to do, with `reason` (PreCompact).
 */
export type HookAnswer =
  | { decision: "continue"; reason: string }
  | { decision: "block"; reason: string }
  | { decision: "none" };

/** Where a context figure comes from (POST /v1/sessions/:id/context). */
export const CONTEXT_SOURCES = ["stream", "rollout", "transcript", "hook"] as const;
export type ContextSource = (typeof CONTEXT_SOURCES)[number];

/**
 * When it was taken: `turn` after a model call (a runner reading the agent's stream or
 * rollout), `pre-tool` just before a tool runs (Claude's PreToolUse), `post-tool` just after
 * (PostToolUse: the step counted against an agent told to hand off), `prompt` when someone
 * types into an interactive session (UserPromptSubmit).
 */
export const CONTEXT_PHASES = ["turn", "pre-tool", "post-tool", "prompt"] as const;
export type ContextPhase = (typeof CONTEXT_PHASES)[number];

/** A session's context, as a runner or a hook reports it. */
export interface ContextReportBody {
  tokens: number;
  /** The window the CLI itself reported, if it did. */
  window?: number | undefined;
  model?: string | undefined;
  source: ContextSource;
  phase?: ContextPhase | undefined;
  /** Model turns so far, when the runner's parser counts them (the many-turns warning). */
  turns?: number | undefined;
}

/**
 * What the agent must do now: `none`; `handoff` — finish the current step, commit, write the
 * handoff (`instruction` says how) and stop; `stop` — stop at once: Flux ends the session
 * and writes the handoff itself (the backstop).
 */
export const CONTEXT_ACTIONS = ["none", "handoff", "stop"] as const;
export type ContextAction = (typeof CONTEXT_ACTIONS)[number];

export interface ContextAnswer {
  percent: number;
  level: "green" | "yellow" | "red" | "limit";
  action: ContextAction;
  instruction?: string | undefined;
}
