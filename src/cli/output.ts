/** Terminal output: colour that honours NO_COLOR / FORCE_COLOR and the terminal, and JSON. */
import type { ContextLevel } from "../core/context/levels.ts";
import type { StageState } from "../core/stage/states.ts";

export interface Output {
  color: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

export function detectColor(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
  setting: "auto" | "always" | "never" = "auto",
): boolean {
  if (setting === "always") return true;
  if (setting === "never") return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

export function stdOutput(env: Readonly<Record<string, string | undefined>> = process.env): Output {
  watchStdout();
  return {
    color: detectColor(process.stdout, env),
    out: (text) => {
      if (!stdoutGone) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    },
    err: (text) => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  };
}

/** The reader of stdout went away (`flux doctor | head -1`): what is left to print is dropped. */
let stdoutGone = false;
let watching = false;

/** A closed pipe is the reader's choice, not a crash: no stack trace, the command's own exit. */
function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stdoutGone = true;
  });
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;
export type Style = keyof typeof codes;

export function paint(color: boolean, style: Style, text: string): string {
  if (!color) return text;
  const [open, close] = codes[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

export const STATE_STYLE: Record<StageState, Style> = {
  waiting: "gray",
  ready: "cyan",
  parked: "yellow",
  running: "blue",
  needs_handoff: "magenta",
  checking: "blue",
  completed: "green",
  awaiting_verification: "yellow",
  verified: "green",
  merged: "green",
  blocked: "red",
  failed: "red",
  skipped: "dim",
  cancelled: "dim",
};

export function paintState(color: boolean, state: StageState): string {
  return paint(color, STATE_STYLE[state], state);
}

const CONTEXT_STYLE: Record<ContextLevel, Style> = {
  green: "green",
  yellow: "yellow",
  red: "red",
  limit: "red",
};

/** A context figure in its level's colour; past the hard limit, red and bold. */
export function paintContext(color: boolean, level: ContextLevel, text: string): string {
  const painted = paint(color, CONTEXT_STYLE[level], text);
  return level === "limit" ? paint(color, "bold", painted) : painted;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Pads to a visible width (ANSI escapes do not count). */
export function pad(text: string, width: number): string {
  // eslint-disable-next-line no-control-regex
  const visible = text.replace(/\u001b\[[0-9;]*m/g, "").length;
  return visible >= width ? text : text + " ".repeat(width - visible);
}
