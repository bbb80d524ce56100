/**
 * Every error code Flux uses, each with the exit code it means, in one table. The union of codes
 * makes a misspelt code a type error; the table gives a FluxError its exit code, and lets an
 * error decoded from the daemon's wire format get back the exit code the daemon meant.
 * docs/cli.md lists the same codes ("Error codes"); test/core/errors.test.ts keeps them in step.
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

const { internal, usage, invalidPlan, refused, notFound, environment } = ExitCode;

/** Code → exit code. Sorted by name; a new code goes here and into docs/cli.md. */
export const ERROR_EXIT_CODES = {
  ACCEPTANCE_ABORTED: internal,
  ACCEPTANCE_START: environment,
  AGENT_CONFIG_INVALID: environment,
  AGENT_FAILED: environment,
  AGENT_MODEL_INVALID: invalidPlan,
  AGENT_MODE_UNSUPPORTED: invalidPlan,
  AGENT_NEEDS_TMUX: environment,
  AGENT_NOT_FOUND: environment,
  AGENT_NOT_LOGGED_IN: environment,
  ATTACH_UNAVAILABLE: environment,
  BACKUP_CORRUPT: environment,
  BACKUP_DAEMON_RUNNING: refused,
  BACKUP_DB_IN_USE: refused,
  BACKUP_NOT_FLUX: usage,
  BACKUP_NOT_FOUND: notFound,
  BACKUP_SCHEMA_NEWER: environment,
  BAD_JSON: usage,
  BAD_MAX_PARALLEL: usage,
  BAD_REQUEST: usage,
  BASE_BRANCH_MISSING: notFound,
  BODY_TOO_LARGE: usage,
  BRANCH_CHECKED_OUT: refused,
  COMMIT_FIRST: refused,
  CONFIG_INVALID: usage,
  CONFIG_SYNTAX: usage,
  DAEMON_GONE: environment,
  DAEMON_NOT_RUNNING: environment,
  DAEMON_RUNNING: refused,
  DAEMON_START_FAILED: environment,
  DAEMON_UNREACHABLE: environment,
  DB_CORRUPT: environment,
  DB_LOCKED: environment,
  DB_READONLY: environment,
  DECISION_REQUIRED: usage,
  DEMO_DIR_NOT_EMPTY: refused,
  DISK_FULL: environment,
  EDITOR_FAILED: environment,
  FORBIDDEN: refused,
  FORBIDDEN_HOST: refused,
  FORBIDDEN_ORIGIN: refused,
  GH_BAD_OUTPUT: environment,
  GH_FAILED: environment,
  GH_NOT_LOGGED_IN: environment,
  GIT_BAD_REF: usage,
  GIT_CWD_MISSING: notFound,
  GIT_FAILED: environment,
  GIT_MISSING: environment,
  GIT_TOO_OLD: environment,
  GIT_UNKNOWN_REF: notFound,
  HANDOFF_INVALID: usage,
  HANDOFF_NOT_FOUND: notFound,
  HANDOFF_REFUSED: refused,
  HANDOFF_UNREADABLE: notFound,
  HOOK_OUTSIDE_SESSION: environment,
  HOOK_UNKNOWN: usage,
  INSTALL_CONFLICT: refused,
  INTERNAL: internal,
  INVALID_ARGUMENT: usage,
  INVALID_ARGV: internal,
  INVALID_ENV_NAME: internal,
  INVALID_SESSION_NAME: internal,
  INVALID_TMUX_SOCKET: internal,
  MERGE_CHECKOUT_FAILED: environment,
  MERGE_NOT_ON_BASE: internal,
  MERGE_RACE: environment,
  MODEL_SCRIPT_INVALID: internal,
  NOT_A_GIT_REPO: environment,
  NOT_INITIALISED: notFound,
  NO_ACTIVE_PLAN: notFound,
  NO_BASE_BRANCH: environment,
  NO_COMMITS: environment,
  NO_ROUTE: notFound,
  PACKAGE_ROOT: internal,
  PATH_TOO_LONG: usage,
  PERMISSION_DENIED: environment,
  PLAN_ACTIVE_UNMERGED: refused,
  PLAN_BAD_NAME: usage,
  PLAN_CYCLE: invalidPlan,
  PLAN_DRAFT_INVALID: invalidPlan,
  PLAN_EXISTS: refused,
  PLAN_INVALID: invalidPlan,
  PLAN_NOT_FOUND: notFound,
  PLAN_OUTSIDE_REPO: usage,
  PLAN_RECONCILE_REFUSED: refused,
  REASON_REQUIRED: usage,
  REFUSED_IN_SESSION: refused,
  REMOTE_MISSING: environment,
  SELF_UPDATE_FAILED: environment,
  SELF_UPDATE_NOT_PUBLISHED: notFound,
  SELF_UPDATE_NO_PREFIX: environment,
  SESSION_CWD_MISSING: notFound,
  SESSION_ENDED: refused,
  SESSION_EXISTS: refused,
  SESSION_KILL_FAILED: internal,
  SESSION_NOT_FOUND: notFound,
  SESSION_NO_INPUT: refused,
  SESSION_SPEC_MISSING: notFound,
  SESSION_START_FAILED: environment,
  SESSION_STATE_CORRUPT: internal,
  SIGNAL_TEMPLATE: usage,
  SIGNAL_UNREADABLE: environment,
  STACK_CONFLICT: refused,
  STAGE_ACTION_MISSING: usage,
  STAGE_BUSY: refused,
  STAGE_CHECKING: refused,
  STAGE_COMPLETE_NEEDS_FORCE: refused,
  STAGE_DEPS_UNMET: refused,
  STAGE_ID_INVALID: usage,
  STAGE_ID_MISSING: usage,
  STAGE_ILLEGAL_TRANSITION: refused,
  STAGE_NOT_AT_GATE: refused,
  STAGE_NOT_CONFLICTED: refused,
  STAGE_NOT_FOUND: notFound,
  STAGE_NOT_MERGEABLE: refused,
  STAGE_NOT_RESUMABLE: refused,
  STAGE_NOT_RUNNING: refused,
  STAGE_REASON_REQUIRED: usage,
  STAGE_UNKNOWN_ACTION: usage,
  STORE_OPEN: notFound,
  STORE_SCHEMA_NEWER: environment,
  TMUX_COMMAND_TOO_LONG: refused,
  TMUX_FAILED: environment,
  TMUX_MISSING: environment,
  TMUX_TOO_OLD: environment,
  UNAUTHORIZED: refused,
  USAGE: usage,
  WORKTREE_CONFLICT: refused,
  WORKTREE_DETACHED: refused,
  WORKTREE_DIRTY: refused,
  WORKTREE_MISSING: notFound,
  WORKTREE_UNSAFE: refused,
} as const satisfies Record<string, ExitCode>;

/** A code from the table above. */
export type CatalogueCode = keyof typeof ERROR_EXIT_CODES;

/**
 * Every code a FluxError can carry: the table's, plus `HTTP_<status>` for a daemon reply that
 * carried no code of its own (see FluxError.fromWire).
 */
export type FluxErrorCode = CatalogueCode | `HTTP_${number}`;

/** The table's codes as a runtime list (tests and docs read it). */
export const FLUX_ERROR_CODES = Object.keys(ERROR_EXIT_CODES) as readonly CatalogueCode[];

export function isFluxErrorCode(value: string): value is CatalogueCode {
  return Object.hasOwn(ERROR_EXIT_CODES, value);
}

/** The exit code a code means; undefined for codes outside the table (`HTTP_<status>`). */
export function catalogueExitCode(code: string): ExitCode | undefined {
  return isFluxErrorCode(code) ? ERROR_EXIT_CODES[code] : undefined;
}
