/**
 * The dashboard's keys: what a key press means on the screen showing, as a command the app
 * carries out. Pure, so the key map is tested without a terminal; ./model.ts KEYS documents it.
 */
import type { FlowMode } from "../../core/flow.ts";

/** What the screen shows: the dashboard, the help, or a question waiting for y or n. */
export type Screen = "normal" | "help" | "confirm";

export type StageAction = "attach" | "verify" | "merge" | "resume";

export type Command =
  | { kind: "quit" }
  | { kind: "help" }
  | { kind: "back" }
  | { kind: "move"; by: number }
  | { kind: "moveTo"; to: "first" | "last" }
  | { kind: "log" }
  | { kind: "flow"; mode: FlowMode }
  | { kind: "stage"; action: StageAction }
  | { kind: "answer"; yes: boolean };

/** The part of ink's key that matters here. */
export interface KeyPress {
  input: string;
  upArrow: boolean;
  downArrow: boolean;
  pageUp: boolean;
  pageDown: boolean;
  home: boolean;
  end: boolean;
  escape: boolean;
  ctrl: boolean;
  meta: boolean;
}

const PLAIN: Omit<KeyPress, "input"> = {
  upArrow: false,
  downArrow: false,
  pageUp: false,
  pageDown: false,
  home: false,
  end: false,
  escape: false,
  ctrl: false,
  meta: false,
};

/**
 * One key press per key: ink hands over text typed ahead (or sent at once) as one input
 * ("jjv"), which is that many presses.
 */
export function keyPresses(key: KeyPress): KeyPress[] {
  const chars = Array.from(key.input);
  if (chars.length <= 1 || key.ctrl || key.meta || key.escape) return [key];
  return chars.map((input) => ({ ...PLAIN, input }));
}

const STAGE_KEYS: Record<string, StageAction> = {
  a: "attach",
  v: "verify",
  m: "merge",
  r: "resume",
};

const FLOW_KEYS: Record<string, FlowMode> = { p: "paused", d: "draining", u: "running" };

/** `page`: how many rows a page up or down moves. */
export function keyCommand(screen: Screen, key: KeyPress, page: number): Command | undefined {
  const { input } = key;
  if (key.ctrl && input === "c") return { kind: "quit" };
  if (screen === "confirm") {
    if (input === "y") return { kind: "answer", yes: true };
    if (input === "n" || input === "q" || key.escape) return { kind: "answer", yes: false };
    return undefined;
  }
  if (screen === "help") {
    if (input === "?" || key.escape) return { kind: "back" };
    return input === "q" ? { kind: "quit" } : undefined;
  }
  if (key.ctrl || key.meta) return undefined;
  if (input === "q") return { kind: "quit" };
  if (input === "?") return { kind: "help" };
  if (input === "l") return { kind: "log" };
  if (key.upArrow || input === "k") return { kind: "move", by: -1 };
  if (key.downArrow || input === "j") return { kind: "move", by: 1 };
  if (key.pageUp) return { kind: "move", by: -Math.max(1, page) };
  if (key.pageDown) return { kind: "move", by: Math.max(1, page) };
  if (key.home || input === "g") return { kind: "moveTo", to: "first" };
  if (key.end || input === "G") return { kind: "moveTo", to: "last" };
  const flow = FLOW_KEYS[input];
  if (flow !== undefined) return { kind: "flow", mode: flow };
  const action = STAGE_KEYS[input];
  if (action !== undefined) return { kind: "stage", action };
  return undefined;
}
