/**
 * The contract every session backend keeps (tmux, or detached processes where tmux is missing),
 * and the checks both run before starting anything, so a bad spec fails the same way on either.
 */
import fs from "node:fs";
import path from "node:path";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { STAGE_ID_MAX_LENGTH, STAGE_ID_SOURCE } from "../../core/stage/id.ts";

// The catalogue's session errors, re-exported for the backends that raise them.
export { sessionExists, sessionNotFound } from "../../core/errors.ts";

export interface StartSession {
  /** "flux-<stage-id>"; see {@link SESSION_NAME}. */
  name: string;
  /** Absolute path of an existing directory: the worktree. */
  cwd: string;
  /** What to run, e.g. [process.execPath, "/abs/bin/flux.js", "runner", "ses_…"]. Never a shell string. */
  argv: readonly string[];
  /** Extra variables for the process (FLUX_SESSION_ID, FLUX_WORK_DIR, …), on top of the backend's base environment. */
  env: Readonly<Record<string, string>>;
  /** Where the process backend writes output (tmux ignores it: the pane is the output). */
  logFile: string;
}

export interface SessionInfo {
  name: string;
  alive: boolean;
  pid?: number;
  /** ISO 8601. */
  createdAt?: string;
}

/** How `flux attach` spawns the attaching client, with the terminal inherited. */
export interface AttachCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export type ExitListener = (name: string, code: number | null, signal: string | null) => void;

export interface SessionBackend {
  readonly kind: "tmux" | "process";
  /** Throws SESSION_EXISTS when a live session has the name. */
  start(spec: StartSession): Promise<{ pid?: number }>;
  isAlive(name: string): Promise<boolean>;
  /** Ends the session; a session (or server) that does not exist is not an error. */
  kill(name: string): Promise<void>;
  /** Only flux-* sessions of this backend instance (its tmux socket, or its state directory). */
  list(): Promise<SessionInfo[]>;
  /** The last `lines` lines (default {@link DEFAULT_CAPTURE_LINES}) of the pane or log, trailing blank lines removed. */
  capture(name: string, lines?: number): Promise<string>;
  /**
   * Types into the session. Each element is either a key name ({@link isNamedKey}: "Enter",
   * "C-c", "Escape"…), pressed as that key, or text, typed literally. The process backend has
   * no terminal and throws SESSION_NO_INPUT.
   */
  sendKeys(name: string, keys: readonly string[]): Promise<void>;
  /** undefined when the backend has nothing to attach to (process backend). */
  attachCommand(name: string): AttachCommand | undefined;
  /** Fires when a session's process ends, where the backend can know (process backend: child exit; tmux: never — the runner reports). */
  onExit(listener: ExitListener): () => void;
  /** The daemon is going: frees what no session uses any more (tmux: an empty server). */
  release(): Promise<void>;
}

/** Session names become tmux targets: `flux-` and a stage id (DESIGN.md §3). */
export const SESSION_NAME = new RegExp(`^flux-${STAGE_ID_SOURCE}$`);

export const DEFAULT_CAPTURE_LINES = 200;

export function assertSessionName(name: string): void {
  if (!SESSION_NAME.test(name)) {
    throw new FluxError("INVALID_SESSION_NAME", `invalid session name "${name}"`, {
      hint: `session names are flux-<stage-id>: lowercase letters, digits and dashes, at most ${"flux-".length + STAGE_ID_MAX_LENGTH} characters`,
      data: { name },
    });
  }
}

/** POSIX-portable variable names; tmux splits `-e K=V` at the first "=", so "=" in a name would corrupt it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a spec before either backend starts anything. */
export function validateStart(spec: StartSession): void {
  assertSessionName(spec.name);
  const program = spec.argv[0];
  // A program starting with "-" would be read as an option by tmux and by `exec`.
  if (program === undefined || program === "" || program.startsWith("-")) {
    throw new FluxError("INVALID_ARGV", `session ${spec.name}: argv must start with a program`, {
      data: { name: spec.name, argv: [...spec.argv] },
    });
  }
  for (const key of Object.keys(spec.env)) {
    if (!ENV_NAME.test(key)) {
      throw new FluxError(
        "INVALID_ENV_NAME",
        `session ${spec.name}: invalid variable name "${key}"`,
        {
          hint: "variable names are letters, digits and underscores, not starting with a digit",
          data: { name: spec.name, variable: key },
        },
      );
    }
  }
  // tmux silently falls back to another directory when -c does not exist: refuse instead.
  if (!path.isAbsolute(spec.cwd) || !isDirectory(spec.cwd)) {
    throw new FluxError("SESSION_CWD_MISSING", `session ${spec.name}: no directory ${spec.cwd}`, {
      hint: "the worktree must exist before its session starts",
      exitCode: ExitCode.notFound,
      data: { name: spec.name, cwd: spec.cwd },
    });
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

const KEY_NAMES = new Set([
  "Enter",
  "Escape",
  "Tab",
  "BTab",
  "BSpace",
  "Space",
  "Up",
  "Down",
  "Left",
  "Right",
  "Home",
  "End",
  "PageUp",
  "PageDown",
  "PgUp",
  "PgDn",
  "Insert",
  "Delete",
  "IC",
  "DC",
  ...Array.from({ length: 12 }, (_, i) => `F${i + 1}`),
]);

/**
 * True for the key names `sendKeys` presses rather than types: the names above, optionally with
 * C-/M-/S- modifiers, and a modifier with one character ("C-c", "M-x"). Any other string is
 * text. To type one of these words as text, split it ("Ent", "er").
 */
export function isNamedKey(key: string): boolean {
  const base = key.replace(/^(?:[CMS]-)+/, "");
  if (base !== key && [...base].length === 1) return true;
  return KEY_NAMES.has(base);
}

export function assertLines(lines: number): void {
  if (!Number.isInteger(lines) || lines < 1) {
    throw new FluxError(
      "INVALID_ARGUMENT",
      `capture: lines must be a positive integer, not ${lines}`,
      {
        exitCode: ExitCode.usage,
        data: { lines },
      },
    );
  }
}

/** Drops trailing blank lines (a pane is padded to its height) and keeps the last `lines`. */
export function lastLines(text: string, lines: number): string {
  const all = text.split("\n");
  while (all.length > 0 && (all.at(-1) ?? "").trim() === "") all.pop();
  return lines > 0 ? all.slice(-lines).join("\n") : "";
}
