/**
 * One small JSON file per session under the backend's state directory, so any process — a
 * restarted daemon, a CLI — finds the sessions another one started. Written whole and renamed
 * into place, so a reader never sees half a file; mode 0600 like everything under .work/.
 */
import fs from "node:fs";
import path from "node:path";
import { FluxError } from "../../core/errors.ts";
import { SESSION_NAME } from "../sessions/backend.ts";

export interface SessionState {
  name: string;
  pid: number;
  /** ISO 8601, from the clock of the process that started it. */
  startedAt: string;
  /** /proc/<pid>/stat start time, to tell our process from a later one with the same pid. */
  procStart?: string;
  logFile: string;
}

const fileOf = (dir: string, name: string) => path.join(dir, `${name}.json`);

export function writeState(dir: string, state: SessionState): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = fileOf(dir, state.name);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

export function readState(dir: string, name: string): SessionState | undefined {
  const file = fileOf(dir, name);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseState(file, text);
}

export function removeState(dir: string, name: string): void {
  fs.rmSync(fileOf(dir, name), { force: true });
}

/** Every session recorded in `dir`, by name. */
export function listStates(dir: string): SessionState[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.endsWith(".json") && SESSION_NAME.test(entry.slice(0, -5)))
    .sort()
    .flatMap((entry) => readState(dir, entry.slice(0, -5)) ?? []);
}

function parseState(file: string, text: string): SessionState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, error);
  }
  const v = value as Partial<Record<keyof SessionState, unknown>>;
  const valid =
    typeof value === "object" &&
    value !== null &&
    typeof v.name === "string" &&
    Number.isInteger(v.pid) &&
    (v.pid as number) > 0 &&
    typeof v.startedAt === "string" &&
    typeof v.logFile === "string" &&
    (v.procStart === undefined || typeof v.procStart === "string");
  if (!valid) throw corrupt(file);
  return value as SessionState;
}

function corrupt(file: string, cause?: unknown): FluxError {
  return new FluxError("SESSION_STATE_CORRUPT", `unreadable session state file ${file}`, {
    hint: "end the process it describes by hand if it still runs, then delete the file",
    data: { file },
    cause,
  });
}
