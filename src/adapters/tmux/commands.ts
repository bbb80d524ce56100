/**
 * The tmux command lines Flux sends, built as pure data so a test pins every argument.
 * Everything after the global options (`-L socket`, `-f config`) is what `chain` returns.
 */
import { ExitCode, FluxError } from "../../core/errors.ts";
import { isNamedKey } from "../sessions/backend.ts";
import type { SessionInfo, StartSession } from "../sessions/backend.ts";
import { shellQuote } from "../../core/shell.ts";
import { chain, escapeFormat } from "./tmux.ts";

/**
 * The most bytes of command (arguments after the global options) Flux sends in one tmux call.
 * tmux 3.3 answers "command too long" at about 16 KB (its message size); half of that leaves
 * room for tmux's own framing and future versions. Long data belongs in a file.
 */
export const TMUX_COMMAND_LIMIT = 8192;

/** Literal text is typed in pieces of at most this many bytes, so one piece always fits a call. */
const TEXT_CHUNK = 2048;

export interface WindowSize {
  width: number;
  height: number;
}

/** A session target: "=" makes tmux match the name exactly instead of as a prefix. */
export const sessionTarget = (name: string) => `=${name}`;
/** A pane target: the exact session's current pane (a bare "=name" is not a pane). */
export const paneTarget = (name: string) => `=${name}:`;

export function commandBytes(args: readonly string[]): number {
  return args.reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1, 0);
}

/**
 * A tmux command (as `set-hook` stores it) that runs `script` in the background. Three layers
 * read it: tmux's parser (double quotes: `\`, `"` and `$` escaped), run-shell's format
 * expansion (`#` doubled) and `sh -c` (the path shell-quoted).
 */
export function runShellCommand(script: string): string {
  const line = escapeFormat(shellQuote(script));
  return `run-shell -b "${line.replace(/[\\"$]/g, "\\$&")}"`;
}

/**
 * `set-option -g remain-on-exit off ; [exit-empty off ; set-hook -g session-closed …] ;
 * new-session …`: the
 * options first, on the server (which is Flux's own, one per repository), so a session whose
 * process ended is gone rather than a dead pane — whatever the user's tmux config says — and
 * `onClosed` hears every session that closes. `-P -F` prints the pane's pid.
 */
export function newSessionCommand(
  spec: StartSession,
  size: WindowSize,
  onClosed?: string,
): string[] {
  // With one argument after the options tmux runs it through the shell; with several it execs
  // them. A lone program is therefore passed to a constant `sh -c 'exec "$@"'`, as data.
  const argv =
    spec.argv.length === 1 ? ["/bin/sh", "-c", 'exec "$@"', "sh", ...spec.argv] : spec.argv;
  const env = Object.entries(spec.env).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
  const command = chain([
    ["set-option", "-g", "remain-on-exit", "off"],
    // The hook needs a server that outlives its last session (tmux runs no hook as it exits):
    // the daemon ends the server itself when nothing is left on it (TmuxBackend.release).
    ...(onClosed === undefined
      ? []
      : [
          ["set-option", "-s", "exit-empty", "off"],
          ["set-hook", "-g", "session-closed", runShellCommand(onClosed)],
        ]),
    [
      "new-session",
      "-d",
      "-P",
      "-F",
      "#{pane_pid}",
      "-s",
      spec.name,
      "-c",
      escapeFormat(spec.cwd),
      "-x",
      String(size.width),
      "-y",
      String(size.height),
      ...env,
      "--",
      ...argv,
    ],
  ]);
  const bytes = commandBytes(command);
  if (bytes > TMUX_COMMAND_LIMIT) {
    throw new FluxError(
      "TMUX_COMMAND_TOO_LONG",
      `session ${spec.name}: the command and environment take ${bytes} bytes; tmux takes at most ${TMUX_COMMAND_LIMIT}`,
      {
        hint: "put long values in a file (the session spec under .work/sessions/) and pass its path",
        exitCode: ExitCode.refused,
        data: { name: spec.name, bytes, limit: TMUX_COMMAND_LIMIT },
      },
    );
  }
  return command;
}

/** `list-sessions` fields, tab-separated: name, created (unix seconds), pane pid, pane dead. */
export const LIST_FORMAT = "#{session_name}\t#{session_created}\t#{pane_pid}\t#{pane_dead}";

export function parseSessionList(stdout: string, isOurs: (name: string) => boolean): SessionInfo[] {
  const sessions: SessionInfo[] = [];
  for (const line of stdout.split("\n")) {
    const [name, created, pid, dead] = line.split("\t");
    if (name === undefined || !isOurs(name)) continue;
    const info: SessionInfo = { name, alive: dead !== "1" };
    const pidNumber = Number(pid);
    if (Number.isInteger(pidNumber) && pidNumber > 0) info.pid = pidNumber;
    const seconds = Number(created);
    if (created !== "" && Number.isFinite(seconds)) {
      info.createdAt = new Date(seconds * 1000).toISOString();
    }
    sessions.push(info);
  }
  return sessions;
}

export function captureCommand(name: string, lines: number): string[] {
  return chain([["capture-pane", "-p", "-J", "-S", `-${lines}`, "-t", paneTarget(name)]]);
}

/**
 * One or more tmux calls that type `keys` in order: key names as keys, other text literally
 * (`-l`), `--` so text starting with "-" is not an option. Long text is split into pieces and
 * the commands grouped into calls that stay under {@link TMUX_COMMAND_LIMIT}.
 */
export function sendKeysCommands(name: string, keys: readonly string[]): string[][] {
  const target = paneTarget(name);
  const commands: string[][] = [];
  for (const key of keys) {
    if (isNamedKey(key)) commands.push(["send-keys", "-t", target, "--", key]);
    else {
      for (const piece of splitBytes(key, TEXT_CHUNK)) {
        commands.push(["send-keys", "-t", target, "-l", "--", piece]);
      }
    }
  }
  const calls: string[][][] = [];
  let bytes = 0;
  for (const command of commands) {
    const size = commandBytes(command) + 2; // the ";" separator and a possible escape
    const current = calls.at(-1);
    if (current === undefined || bytes + size > TMUX_COMMAND_LIMIT) {
      calls.push([command]);
      bytes = size;
    } else {
      current.push(command);
      bytes += size;
    }
  }
  return calls.map(chain);
}

/** Splits text into pieces of at most `max` UTF-8 bytes, never inside a character. */
export function splitBytes(text: string, max: number): string[] {
  if (Buffer.byteLength(text) <= max) return [text];
  const pieces: string[] = [];
  let piece = "";
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > max) {
      pieces.push(piece);
      piece = "";
      bytes = 0;
    }
    piece += char;
    bytes += size;
  }
  if (piece !== "") pieces.push(piece);
  return pieces;
}
