/**
 * Routes of one session: its runner's start, heartbeat and exit reports, an interactive agent's
 * hooks, reading it, and killing it (a human's).
 */
import { FAILURE_CLASSES } from "../../../core/failure.ts";
import { HEALTH_WARNINGS } from "../../../core/health.ts";
import { createRoute, z } from "@hono/zod-openapi";
import {
  CONTEXT_ACTIONS,
  CONTEXT_PHASES,
  CONTEXT_SOURCES,
  HOOK_EVENTS,
} from "../../../engine/hook-events.ts";
import { CONTEXT_LEVELS } from "../../../core/context/levels.ts";
import { SESSION_PURPOSES, SESSION_STATUSES } from "../../../store/sessions.ts";
import { Ok, SessionParams, jsonBody, reply, routeOf } from "./common.ts";

/**
 * What an agent CLI reported (adapters/agents/types.ts SessionTelemetry). Not strict: a field a
 * parser adds is dropped here rather than failing a runner's exit report.
 */
export const Telemetry = z.object({
  agentSessionId: z.string().optional(),
  model: z.string().optional(),
  usage: z.object({
    inputTokens: z.number(),
    outputTokens: z.number(),
    cacheCreationTokens: z.number(),
    cacheReadTokens: z.number(),
  }),
  contextTokens: z.number().optional(),
  contextWindow: z.number().optional(),
  costUsd: z.number().optional(),
  costEstimated: z.boolean(),
  result: z.enum(["success", "error"]).optional(),
  errorClass: z.enum(["rate_limit", "usage_limit", "api_error", "max_turns", "crash"]).optional(),
  errorMessage: z.string().optional(),
  /** When the agent's rate or usage limit resets (epoch ms), when the CLI said. */
  limitResetAt: z.number().optional(),
  turns: z.number().int().optional(),
});

/** A session as the store has it (store/sessions.ts SessionRecord). */
export const Session = z
  .strictObject({
    id: z.string(),
    planId: z.number().int(),
    stageId: z.string(),
    status: z.enum(SESSION_STATUSES),
    agent: z.string(),
    backend: z.string(),
    name: z.string(),
    purpose: z.enum(SESSION_PURPOSES),
    interactive: z.boolean(),
    waitingFor: z.string().nullable(),
    waitingSince: z.string().nullable(),
    remindersSent: z.number().int(),
    contextWindow: z.number().int().nullable(),
    contextLevel: z.enum(CONTEXT_LEVELS).nullable(),
    contextAt: z.string().nullable(),
    handoffAskedAt: z.string().nullable(),
    handoffSteps: z.number().int(),
    compactBlocked: z.boolean(),
    pid: z.number().int().nullable(),
    pidStart: z.string().nullable(),
    exitCode: z.number().int().nullable(),
    exitSignal: z.string().nullable(),
    failure: z.enum(FAILURE_CLASSES).nullable(),
    failureDetail: z.string().nullable(),
    warnings: z.array(
      z.strictObject({
        kind: z.enum(HEALTH_WARNINGS),
        at: z.string(),
        detail: z.string(),
        action: z.string(),
      }),
    ),
    createdAt: z.string(),
    updatedAt: z.string(),
    endedAt: z.string().nullable(),
    agentSessionId: z.string().nullable(),
    model: z.string().nullable(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    cacheCreationTokens: z.number(),
    cacheReadTokens: z.number(),
    contextTokens: z.number().nullable(),
    costUsd: z.number().nullable(),
    costEstimated: z.boolean(),
    result: z.string().nullable(),
    errorClass: z.string().nullable(),
    errorMessage: z.string().nullable(),
    turns: z.number().int().nullable(),
  })
  .openapi("Session");

export const StartedBody = z.strictObject({ pid: z.number().int().nullable().optional() });

export const ExitedBody = z.strictObject({
  code: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  telemetry: Telemetry.optional(),
});

/** What `flux hook <event>` sends: the event and the few facts the daemon needs of it. */
export const HookBody = z.strictObject({
  event: z.enum(HOOK_EVENTS),
  tool: z.string().optional(),
  kind: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  telemetry: Telemetry.optional(),
});

/** `continue`: the hook exits 2 with `reason`, which Claude gives the model as feedback. */
export const HookAnswer = z.discriminatedUnion("decision", [
  z.strictObject({ decision: z.literal("continue"), reason: z.string() }),
  z.strictObject({ decision: z.literal("block"), reason: z.string() }),
  z.strictObject({ decision: z.literal("none") }),
]);

/** A context figure (engine/hook-events.ts ContextReportBody). */
export const ContextBody = z.strictObject({
  tokens: z.number().int().nonnegative(),
  window: z.number().int().positive().optional(),
  model: z.string().optional(),
  source: z.enum(CONTEXT_SOURCES),
  phase: z.enum(CONTEXT_PHASES).optional(),
  turns: z.number().int().nonnegative().optional(),
});

export const ContextAnswer = z.strictObject({
  percent: z.number().int(),
  level: z.enum(CONTEXT_LEVELS),
  action: z.enum(CONTEXT_ACTIONS),
  instruction: z.string().optional(),
});

export const sessionContext = createRoute({
  ...routeOf("sessionContext"),
  request: { params: SessionParams, body: jsonBody(ContextBody) },
  responses: reply(ContextAnswer, "The level, and what the agent must do now."),
});

export const getSession = createRoute({
  ...routeOf("getSession"),
  request: { params: SessionParams },
  responses: reply(z.strictObject({ session: Session.nullable() }), "The session, or null."),
});

export const sessionStarted = createRoute({
  ...routeOf("sessionStarted"),
  request: { params: SessionParams, body: jsonBody(StartedBody) },
  responses: reply(Ok, "Recorded."),
});

export const sessionExited = createRoute({
  ...routeOf("sessionExited"),
  request: { params: SessionParams, body: jsonBody(ExitedBody) },
  responses: reply(Ok, "Recorded: the engine decides what follows (verdict, retry…)."),
});

/** `open`: false once the session has ended (the runner beats on until its agent exits). */
export const HeartbeatReply = z.strictObject({ ok: z.literal(true), open: z.boolean() });

export const sessionHeartbeat = createRoute({
  ...routeOf("sessionHeartbeat"),
  request: { params: SessionParams },
  responses: reply(HeartbeatReply, "Heard: the session's lifeline holds."),
});

export const sessionHook = createRoute({
  ...routeOf("sessionHook"),
  request: { params: SessionParams, body: jsonBody(HookBody) },
  responses: reply(HookAnswer, "What the hook tells the agent."),
});

export const killSession = createRoute({
  ...routeOf("killSession"),
  request: { params: SessionParams },
  responses: reply(z.strictObject({ session: Session }), "The session as it ended."),
});
