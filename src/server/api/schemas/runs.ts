/** Routes of the run: asking to run (scope, parallelism, environment) and where it stands. */
import { createRoute, z } from "@hono/zod-openapi";
import { FLOW_MODES } from "../../../core/flow.ts";
import { STAGE_STATES } from "../../../core/stage/states.ts";
import { StageId, jsonBody, reply, routeOf } from "./common.ts";

export const RunBody = z.strictObject({
  /** Run only this stage (and, with `withDeps`, what it depends on). */
  stage: StageId.optional(),
  withDeps: z.boolean().optional(),
  /** Sessions are not launched: each waits for the command shown to start it. */
  manual: z.boolean().optional(),
  maxParallel: z.number().int().min(1).optional(),
  /** The environment sessions inherit from now on (the requesting `flux run`'s). */
  env: z.record(z.string(), z.string().optional()).optional(),
});

export const RunAccepted = z.strictObject({
  scope: z.array(z.string()).nullable(),
  maxParallel: z.number().int(),
  manual: z.boolean(),
  /** The request brought a different environment: sessions started from now on get it. */
  envChanged: z.boolean(),
});

export const RunProgress = z.strictObject({
  /** The last event this answer reflects: a follower reads the stream up to it first. */
  seq: z.number().int(),
  done: z.boolean(),
  active: z.boolean(),
  waiting: z.array(
    z.strictObject({
      id: z.string(),
      state: z.enum(STAGE_STATES),
      reason: z.string().nullable(),
      waitsOn: z.array(z.string()),
    }),
  ),
  manualCommands: z.record(z.string(), z.string()),
  /** The flow mode (`flux pause`, `flux drain`, `flux daemon resume`). */
  flow: z.enum(FLOW_MODES),
});

export const FlowBody = z.strictObject({
  mode: z.enum(FLOW_MODES),
  /** Who asks, for the event log (`human:<user>`). */
  actor: z.string().min(1).max(200).optional(),
});

export const FlowReply = z.strictObject({
  mode: z.enum(FLOW_MODES),
  previous: z.enum(FLOW_MODES),
});

export const setFlow = createRoute({
  ...routeOf("setFlow"),
  request: { body: jsonBody(FlowBody) },
  responses: reply(FlowReply, "The flow mode now, and the one before."),
});

export const run = createRoute({
  ...routeOf("run"),
  request: { body: jsonBody(RunBody) },
  responses: reply(RunAccepted, "The run's scope and settings as they now are."),
});

export const progress = createRoute({
  ...routeOf("progress"),
  responses: reply(RunProgress, "Where the run stands."),
});
