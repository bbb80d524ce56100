/**
 * The one translation of errors at the HTTP edge: a FluxError becomes a status and
 * `{error: {code, message, hint, exitCode, …data}}` — the CLI rebuilds the same FluxError from
 * it and exits with the same code. Anything else is a bug: 500 INTERNAL, and its stack goes to
 * the daemon's log.
 */
import type { ZodError } from "zod";
import { ExitCode, FluxError, badRequest } from "../core/errors.ts";
import type { ApiError } from "./api/types.ts";

/**
 * Status by exit code. The environment lacking something (git, tmux, a base branch) is 503:
 * the request was fine and the daemon is not broken, the machine cannot serve it now.
 */
const STATUS_BY_EXIT: Partial<Record<ExitCode, number>> = {
  [ExitCode.usage]: 400,
  [ExitCode.invalidPlan]: 422,
  [ExitCode.refused]: 409,
  [ExitCode.notFound]: 404,
  [ExitCode.environment]: 503,
  [ExitCode.checkFailed]: 409,
};

/** Codes whose status says more than their exit code's. */
const STATUS_BY_CODE: Partial<Record<string, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  FORBIDDEN_HOST: 403,
  FORBIDDEN_ORIGIN: 403,
  BODY_TOO_LARGE: 413,
  NO_ROUTE: 404,
};

export function statusOf(error: FluxError): number {
  return STATUS_BY_CODE[error.code] ?? STATUS_BY_EXIT[error.exitCode] ?? 500;
}

/** The wire form of any error: a FluxError's own words, or INTERNAL for a bug. */
export function wireError(error: unknown): ApiError {
  if (error instanceof FluxError) {
    return {
      ...error.data,
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      exitCode: error.exitCode,
    };
  }
  return {
    code: "INTERNAL",
    message: error instanceof Error ? error.message : String(error),
    hint: "a bug in Flux: the daemon's log (.work/logs/daemon.log) has the stack",
    exitCode: ExitCode.internal,
  };
}

/** The response for an error raised before a reply started. */
export function errorResponse(error: unknown, log: (line: string) => void): Response {
  if (!(error instanceof FluxError)) {
    log(
      `request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  const status = error instanceof FluxError ? statusOf(error) : 500;
  return Response.json({ error: wireError(error) }, { status });
}

/** A request that failed its route's schema: the message names each field and what is wrong. */
export function invalidRequest(target: string, error: ZodError): FluxError {
  const issues = error.issues.map((issue) => ({
    field: [target === "json" ? "body" : target === "param" ? "params" : target, ...issue.path]
      .map(String)
      .join("."),
    message: issue.message,
  }));
  return new FluxError(
    "BAD_REQUEST",
    `invalid request: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
    { hint: "the daemon's API is described at GET /v1/openapi.json", data: { issues } },
  );
}

export function noRoute(method: string, path: string): FluxError {
  return new FluxError("NO_ROUTE", `the daemon has no route ${method} ${path}`, {
    hint: "a client of another Flux version? `flux daemon stop` then `flux run` starts this one's",
    data: { method, path },
  });
}

export function bodyTooLarge(limit: number): FluxError {
  return new FluxError("BODY_TOO_LARGE", `the request body is larger than ${limit} bytes`, {
    data: { limit },
  });
}

export function badJson(): FluxError {
  return new FluxError("BAD_JSON", "the request body is not valid JSON", {
    hint: "send a JSON object with content-type: application/json",
  });
}

/** A body that is not JSON (hono answers 415 for it): still the client's mistake. */
export function notJson(): FluxError {
  return badRequest(
    "the request body must be JSON (content-type: application/json)",
    "send a JSON object with content-type: application/json",
  );
}
