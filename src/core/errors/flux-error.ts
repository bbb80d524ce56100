/**
 * FluxError: a stable code, a message, a hint for the person reading it, an exit code and
 * structured data. Every edge (CLI, HTTP, MCP) translates a FluxError once; anything else is a bug.
 */
import { ExitCode, catalogueExitCode } from "./codes.ts";
import type { FluxErrorCode } from "./codes.ts";

export interface FluxErrorOptions {
  hint?: string | undefined;
  /** Default: the code's exit code in the catalogue (codes.ts). */
  exitCode?: ExitCode | undefined;
  data?: Record<string, unknown> | undefined;
  cause?: unknown;
}

/** What a daemon reply carries when it fails, and what to say when the reply says nothing. */
export interface WireFallback {
  /** The HTTP status: the code is `HTTP_<status>` when the body has none. */
  status?: number | undefined;
  /** The message when the body has none, e.g. "POST /v1/run failed with 500". */
  message: string;
  /** The exit code for a code this build does not know. Default: internal. */
  exitCode?: ExitCode | undefined;
}

export class FluxError extends Error {
  readonly code: FluxErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly data: Record<string, unknown>;

  constructor(code: FluxErrorCode, message: string, options: FluxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FluxError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? catalogueExitCode(code) ?? ExitCode.internal;
    this.data = options.data ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...this.data };
  }

  /**
   * The one way to build a FluxError from a code that arrives at run time: the `error` object of
   * a daemon reply or stream line (`toJSON()` on the other side). Its code is taken as it is,
   * even one this build does not know (a daemon of another version): the person reading it
   * needs the daemon's own words, and the cast below is the only one in Flux. The exit code is
   * the catalogue's for a known code — the HTTP status cannot carry it exactly — else the
   * fallback's.
   */
  static fromWire(body: unknown, fallback: WireFallback): FluxError {
    const fields =
      typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
    const { code, message, hint, ...data } = fields;
    const wireCode =
      typeof code === "string" && code !== ""
        ? (code as FluxErrorCode)
        : fallback.status === undefined
          ? "INTERNAL"
          : (`HTTP_${fallback.status}` as const);
    return new FluxError(wireCode, typeof message === "string" ? message : fallback.message, {
      hint: typeof hint === "string" ? hint : undefined,
      exitCode: catalogueExitCode(wireCode) ?? fallback.exitCode ?? ExitCode.internal,
      data,
    });
  }
}

export function isFluxError(value: unknown): value is FluxError {
  return value instanceof FluxError;
}
