/**
 * Schemas every domain of the API shares: ids in paths, the error body and the error line that
 * ends a failed stream, an acceptance run's checks and progress lines, and the helpers that turn
 * a route's spec (../spec.ts) and schemas into an OpenAPI route.
 */
import { z } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import { STAGE_ID_PATTERN, STAGE_ID_RULE } from "../../../core/stage/id.ts";
import type { PrincipalRule, RouteName } from "../spec.ts";
import { NDJSON, ROUTES } from "../spec.ts";

export const StageId = z
  .string()
  .regex(STAGE_ID_PATTERN, `a stage id: ${STAGE_ID_RULE}`)
  .openapi({ example: "api-auth" });

/** `ses_` + base36 time + randomness (engine/ids.ts). */
export const SessionId = z
  .string()
  .regex(/^ses_[a-z0-9]+$/, "a session id: ses_ then lowercase letters and digits")
  .openapi({ example: "ses_0m3k2x9a1f3c9e0b7d2" });

export const StageParams = z.object({
  id: StageId.openapi({ param: { name: "id", in: "path" } }),
});
export const SessionParams = z.object({
  id: SessionId.openapi({ param: { name: "id", in: "path" } }),
});

export const Ok = z.strictObject({ ok: z.literal(true) });

/**
 * A FluxError on the wire: its code, message, hint and exit code, plus its structured data
 * (e.g. `unmet` of STAGE_DEPS_UNMET). The CLI rebuilds the FluxError from it and exits with
 * `exitCode`.
 */
export const ErrorBody = z
  .looseObject({
    code: z.string(),
    message: z.string(),
    hint: z.string().optional(),
    exitCode: z.number().int(),
  })
  .openapi("Error");

export const ErrorReply = z.strictObject({ error: ErrorBody }).openapi("ErrorReply");

/** The last line of a stream that failed after it started. */
export const ErrorLine = z.strictObject({ type: z.literal("error"), error: ErrorBody });

/** One acceptance check's result (core/acceptance.ts CheckResult). */
export const CheckEvidence = z
  .strictObject({
    command: z.string(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number(),
    outputTail: z.string(),
    outputTruncated: z.boolean(),
    passed: z.boolean(),
    skipped: z.boolean(),
    reason: z.string().optional(),
  })
  .openapi("CheckEvidence");

/** Progress of an acceptance run, streamed as it goes (engine/acceptance/types.ts). */
export const AcceptanceProgress = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("check_started"),
    index: z.number().int(),
    command: z.string(),
  }),
  z.strictObject({
    type: z.literal("output"),
    index: z.number().int(),
    stream: z.enum(["stdout", "stderr"]),
    text: z.string(),
  }),
  z.strictObject({
    type: z.literal("check_finished"),
    index: z.number().int(),
    passed: z.boolean(),
    exitCode: z.number().int().nullable(),
    durationMs: z.number(),
  }),
]);

type Routes = typeof ROUTES;

const ERROR_RESPONSE = {
  description:
    "A FluxError: 400 bad request, 401 no or unknown token, 403 not this principal or a foreign Host/Origin, 404 not found, 409 refused, 422 invalid plan, 503 the environment lacks something, 500 a bug.",
  content: { "application/json": { schema: ErrorReply } },
};

/** Method, path, summary and operation id of a route, from its spec. */
export function routeOf<N extends RouteName>(
  name: N,
): {
  method: Routes[N]["method"];
  path: Routes[N]["path"];
  summary: string;
  operationId: N;
  tags: string[];
  "x-flux-principal": PrincipalRule;
} {
  const spec: Routes[N] = ROUTES[name];
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    operationId: name,
    tags: [spec.path.split("/")[2] ?? "daemon"],
    /** Who may call it (PrincipalRule in ../spec.ts). */
    "x-flux-principal": spec.principal,
  };
}

/** A JSON request body. Always required: an empty body counts as `{}`. */
export function jsonBody<S extends ZodType>(schema: S) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

/** A route answering one JSON body. */
export function reply<S extends ZodType>(schema: S, description: string) {
  return {
    200: { description, content: { "application/json": { schema } } },
    default: ERROR_RESPONSE,
  } as const;
}

/**
 * A route answering an NDJSON stream. Its lines are not in the route config: hono would type an
 * `application/x-ndjson` reply as one JSON body, which a stream is not. The table keeps each
 * stream's line schema (LINES in ../table.ts); the server documents the route with them
 * (`streamDoc`), and the client and the tests take their types and checks from there.
 */
export function stream(description: string) {
  return { 200: { description }, default: ERROR_RESPONSE } as const;
}

/** The documented responses of a stream: its lines, or the error line that ends a failed one. */
export function streamDoc(line: ZodType, description: string) {
  return {
    200: { description, content: { [NDJSON]: { schema: z.union([line, ErrorLine]) } } },
    default: ERROR_RESPONSE,
  };
}
