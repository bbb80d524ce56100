/**
 * Errors with a stable code, structured data and a hint for the person reading them.
 * Every edge (CLI, HTTP, MCP) translates a FluxError once; anything else is a bug.
 */

/** Process exit codes used by every `flux` command (docs/cli.md has the table). */
export const ExitCode = {
  ok: 0,
  /** An unexpected error: a bug. The message says where the log is. */
  internal: 1,
  /** Bad command-line usage: unknown flag, missing argument. */
  usage: 2,
  /** The plan is invalid: every problem is printed with file:line, code and hint. */
  invalidPlan: 3,
  /** Refused: the state does not allow it (illegal transition, needs --force, inside a session). */
  refused: 4,
  /** Not found: no .work/ here, unknown stage or session. */
  notFound: 5,
  /** The environment is missing something: not a git repository, a tool not installed. */
  environment: 6,
  /** A check found problems (`flux validate`, `flux doctor`). */
  checkFailed: 7,
  /** Interrupted by the user (Ctrl-C). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface FluxErrorOptions {
  hint?: string | undefined;
  exitCode?: ExitCode | undefined;
  data?: Record<string, unknown> | undefined;
  cause?: unknown;
}

export class FluxError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly data: Record<string, unknown>;

  constructor(code: string, message: string, options: FluxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FluxError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.internal;
    this.data = options.data ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...this.data };
  }
}

export function isFluxError(value: unknown): value is FluxError {
  return value instanceof FluxError;
}
