/**
 * When a human is needed, say so: which stored events call for a human, and what to tell them.
 * Pure — the daemon's notifier (server/notify.ts) reads the event log, runs the user's
 * `[notify] command` with `notifyPayload()` on its stdin, and keeps its place in the log.
 *
 * | kind       | event                                                  | the human runs        |
 * | ---------- | ------------------------------------------------------ | --------------------- |
 * | `gate`     | `stage.transitioned` to `awaiting_verification`        | `flux verify <id>`    |
 * | `question` | `stage.transitioned` by `question_asked`               | `flux attach <id>`    |
 * | `blocked`  | any other `stage.transitioned` to `blocked`            | `flux resume <id>`    |
 * |            | … by `merge_conflict` (resolved in the worktree first) | `flux merge <id>`     |
 * | `failed`   | `stage.transitioned` to `failed`                       | `flux resume <id>`    |
 * | `parked`   | `stage.transitioned` to `parked` (resumes by itself)   | `flux resume <id>`    |
 * | `input`    | `session.waiting` (an interactive agent waits)         | `flux attach <id>`    |
 *
 * An edge a human forced (`flux stage <id> block`) tells nobody: the one who needs to know did it.
 */
import type { StageState } from "./stage/states.ts";

export const NOTIFY_KINDS = ["gate", "question", "blocked", "failed", "parked", "input"] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** The version of the JSON a notify command reads; a change that breaks readers bumps it. */
export const NOTIFY_VERSION = 1;

export interface Notification {
  kind: NotifyKind;
  /** The stage id. */
  stage: string;
  /** Why, in the words of whoever moved the stage (or the agent's hook). */
  reason: string;
  /** What the human runs. */
  command: string;
  /** `parked`: when the stage resumes by itself (ISO), when the store still says. */
  until?: string;
  /** `input`: the session that waits. */
  session?: string;
}

/** A stored event as the classifier reads it; the store's events fit it. */
export interface EventView {
  seq: number;
  at: string;
  type: string;
  stageId: string | null;
  data: unknown;
}

/** The stage as the store holds it now: a parked stage's deadline. */
export interface StageView {
  state: StageState;
  parkedUntil: string | null;
}

/** The notification an event calls for, or undefined when it needs nobody. */
export function classifyEvent(event: EventView, stage?: StageView): Notification | undefined {
  const id = event.stageId;
  if (id === null || typeof event.data !== "object" || event.data === null) return undefined;
  const data = event.data as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = data[key];
    return typeof value === "string" && value.length > 0 ? value : undefined;
  };
  if (event.type === "session.waiting") {
    const session = text("session");
    return {
      kind: "input",
      stage: id,
      reason: text("reason") ?? "the agent waits for input",
      command: `flux attach ${id}`,
      ...(session === undefined ? {} : { session }),
    };
  }
  if (event.type !== "stage.transitioned") return undefined;
  if (data.manual === true && text("actor")?.startsWith("human:") === true) return undefined;
  const to = text("to");
  const reason = text("reason");
  if (to === "awaiting_verification")
    return {
      kind: "gate",
      stage: id,
      reason: reason ?? "waiting at its gate",
      command: `flux verify ${id}`,
    };
  if (text("trigger") === "question_asked")
    return {
      kind: "question",
      stage: id,
      reason: reason ?? "the agent asked a question",
      command: `flux attach ${id}`,
    };
  if (to === "blocked")
    return {
      kind: "blocked",
      stage: id,
      reason: reason ?? "blocked",
      // A conflict is resolved in the worktree, then merged: a new session would not help.
      command: text("trigger") === "merge_conflict" ? `flux merge ${id}` : `flux resume ${id}`,
    };
  if (to === "failed")
    return {
      kind: "failed",
      stage: id,
      reason: reason ?? "retries exhausted",
      command: `flux resume ${id}`,
    };
  if (to === "parked") {
    const until =
      stage?.state === "parked" && stage.parkedUntil !== null ? stage.parkedUntil : undefined;
    return {
      kind: "parked",
      stage: id,
      reason: reason ?? (until === undefined ? "parked" : `parked until ${until}`),
      // Nothing is needed: it resumes by itself at `until`. This starts it now, for a human who
      // knows the limit is gone (it clears the agents' limits).
      command: `flux resume ${id}`,
      ...(until === undefined ? {} : { until }),
    };
  }
  return undefined;
}

/** What a notify command reads on its stdin (docs/configuration.md, "Notifications"). */
export interface NotifyPayload extends Notification {
  version: typeof NOTIFY_VERSION;
  plan: { file: string; title: string } | null;
  event: { seq: number; at: string; type: string; data: unknown };
}

export function notifyPayload(
  note: Notification,
  event: EventView,
  plan: { file: string; title: string } | undefined,
): NotifyPayload {
  return {
    version: NOTIFY_VERSION,
    ...note,
    plan: plan === undefined ? null : { file: plan.file, title: plan.title },
    event: { seq: event.seq, at: event.at, type: event.type, data: event.data },
  };
}
