/**
 * The one route table of the daemon's API: each route's method, path and principal (./spec.ts)
 * with its params, query, body and reply schemas (./schemas/). The server registers its handlers
 * against it (../app.ts), the OpenAPI document is generated from it, tests derive their
 * expectations from it, and the CLI's client takes its types (./types.ts, `import type` only).
 */
import type { RouteConfig } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import type { RouteName, StreamRouteName } from "./spec.ts";
import { health, notify, openapi, shutdown } from "./schemas/daemon.ts";
import { EventsLine, events } from "./schemas/events.ts";
import { createHandoff, listHandoffs } from "./schemas/handoffs.ts";
import { progress, run, setFlow } from "./schemas/runs.ts";
import {
  getSession,
  killSession,
  sessionContext,
  sessionExited,
  sessionHeartbeat,
  sessionHook,
  sessionStarted,
} from "./schemas/sessions.ts";
import {
  CompleteLine,
  EvidenceLine,
  approveStage,
  completeStage,
  forceStage,
  mergeStage,
  rejectStage,
  resolveStage,
  resumeStage,
  stageEvidence,
} from "./schemas/stages.ts";

export const TABLE = {
  health,
  openapi,
  notify,
  shutdown,
  run,
  setFlow,
  progress,
  events,
  completeStage,
  stageEvidence,
  approveStage,
  rejectStage,
  mergeStage,
  resolveStage,
  resumeStage,
  forceStage,
  createHandoff,
  listHandoffs,
  getSession,
  sessionStarted,
  sessionExited,
  sessionHeartbeat,
  sessionHook,
  sessionContext,
  killSession,
} satisfies { [N in RouteName]: RouteConfig };

export type Table = typeof TABLE;

/** The line schema of each NDJSON stream (the error line that ends a failed one aside). */
export const LINES = {
  events: EventsLine,
  completeStage: CompleteLine,
  stageEvidence: EvidenceLine,
} satisfies { [N in StreamRouteName]: ZodType };
