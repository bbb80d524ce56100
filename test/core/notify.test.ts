import { describe, expect, it } from "vitest";
import { checkConfig } from "../../src/core/config/schema.ts";
import { mergeConfig } from "../../src/core/config/resolve.ts";
import type { EventView } from "../../src/core/notify.ts";
import { classifyEvent, notifyPayload } from "../../src/core/notify.ts";

let seq = 0;
const moved = (stageId: string | null, data: Record<string, unknown>): EventView => ({
  seq: ++seq,
  at: "2026-12-01T09:00:00.000Z",
  type: "stage.transitioned",
  stageId,
  data: { manual: false, countersCleared: false, actor: "flux", ...data },
});

describe("classifyEvent", () => {
  it("a gate that opens: flux verify", () => {
    const event = moved("api", {
      from: "completed",
      to: "awaiting_verification",
      trigger: "gate_opened",
      reason: "waiting for `flux verify api`",
    });
    expect(classifyEvent(event)).toEqual({
      kind: "gate",
      stage: "api",
      reason: "waiting for `flux verify api`",
      command: "flux verify api",
    });
  });

  it("a question the agent asked: flux attach (before the blocked it also is)", () => {
    const event = moved("api", {
      from: "running",
      to: "blocked",
      trigger: "question_asked",
      reason: "which database?",
      actor: "ses_1",
    });
    expect(classifyEvent(event)).toEqual({
      kind: "question",
      stage: "api",
      reason: "which database?",
      command: "flux attach api",
    });
  });

  it("any other edge to blocked, the engine's own block included: flux resume (a conflict: flux merge)", () => {
    for (const [trigger, manual, command] of [
      ["fix_attempts_exhausted", false, "flux resume api"],
      ["block", true, "flux resume api"],
      ["merge_conflict", false, "flux merge api"],
    ] as const) {
      const event = moved("api", { from: "checking", to: "blocked", trigger, manual, reason: "r" });
      expect(classifyEvent(event)).toEqual({ kind: "blocked", stage: "api", reason: "r", command });
    }
  });

  it("retries exhausted: failed, flux resume", () => {
    const event = moved("api", {
      from: "running",
      to: "failed",
      trigger: "retries_exhausted",
      reason: "the agent exited with 1; retries exhausted (0)",
    });
    expect(classifyEvent(event)).toMatchObject({
      kind: "failed",
      command: "flux resume api",
      reason: "the agent exited with 1; retries exhausted (0)",
    });
  });

  it("parked: says until when, from the stage while it is still parked", () => {
    const event = moved("api", {
      from: "ready",
      to: "parked",
      trigger: "parked",
      reason: "parked until 12:00: claude usage limit",
    });
    const until = "2026-12-01T12:00:00.000Z";
    expect(classifyEvent(event, { state: "parked", parkedUntil: until })).toEqual({
      kind: "parked",
      stage: "api",
      reason: "parked until 12:00: claude usage limit",
      command: "flux resume api",
      until,
    });
    // Moved on since: the event's own words still say when.
    expect(classifyEvent(event, { state: "running", parkedUntil: null })).toEqual({
      kind: "parked",
      stage: "api",
      reason: "parked until 12:00: claude usage limit",
      command: "flux resume api",
    });
  });

  it("a session waiting for input: flux attach, with the session", () => {
    const event: EventView = {
      seq: 9,
      at: "2026-12-01T09:00:00.000Z",
      type: "session.waiting",
      stageId: "ui",
      data: { session: "ses_7", reason: "permission prompt for Bash" },
    };
    expect(classifyEvent(event)).toEqual({
      kind: "input",
      stage: "ui",
      reason: "permission prompt for Bash",
      command: "flux attach ui",
      session: "ses_7",
    });
  });

  it("needs nobody for everything else, and for what a human forced", () => {
    const none = [
      moved("api", { from: "ready", to: "running", trigger: "session_started" }),
      moved("api", { from: "checking", to: "completed", trigger: "acceptance_passed" }),
      moved("api", { from: "parked", to: "ready", trigger: "unparked" }),
      moved("api", { from: "blocked", to: "ready", trigger: "resumed" }),
      moved("api", {
        from: "running",
        to: "blocked",
        trigger: "block",
        manual: true,
        actor: "human:ada",
        reason: "holding it",
      }),
      moved(null, { from: "running", to: "failed", trigger: "retries_exhausted" }),
      { seq: 1, at: "", type: "session.resumed", stageId: "api", data: { session: "s" } },
      { seq: 2, at: "", type: "run.notice", stageId: null, data: { text: "hello" } },
      { seq: 3, at: "", type: "stage.transitioned", stageId: "api", data: null },
    ];
    for (const event of none) expect(classifyEvent(event), JSON.stringify(event)).toBeUndefined();
  });

  it("fills in a reason when the edge had none", () => {
    expect(
      classifyEvent(moved("a", { from: "running", to: "failed", trigger: "retries_exhausted" })),
    ).toMatchObject({ reason: "retries exhausted" });
    expect(
      classifyEvent(moved("a", { from: "ready", to: "parked", trigger: "parked" }), {
        state: "parked",
        parkedUntil: "2026-12-01T12:00:00.000Z",
      }),
    ).toMatchObject({ reason: "parked until 2026-12-01T12:00:00.000Z" });
  });
});

describe("notifyPayload", () => {
  it("is version 1: the notification, the plan and the event", () => {
    const event = moved("api", { from: "running", to: "failed", trigger: "retries_exhausted" });
    const note = classifyEvent(event);
    if (note === undefined) throw new Error("expected a notification");
    const payload = notifyPayload(note, event, { file: "doc/plans/PLAN-x.md", title: "X" });
    expect(payload).toEqual({
      version: 1,
      kind: "failed",
      stage: "api",
      reason: "retries exhausted",
      command: "flux resume api",
      plan: { file: "doc/plans/PLAN-x.md", title: "X" },
      event: { seq: event.seq, at: event.at, type: "stage.transitioned", data: event.data },
    });
    expect(Object.keys(payload)).toEqual([
      "version",
      "kind",
      "stage",
      "reason",
      "command",
      "plan",
      "event",
    ]);
    expect(notifyPayload(note, event, undefined).plan).toBeNull();
  });
});

describe("[notify] settings", () => {
  it("command and timeout, layered; an empty command turns an earlier one off", () => {
    expect(mergeConfig([]).notify).toEqual({ command: undefined, timeoutMs: 30_000 });
    expect(
      mergeConfig([{ notify: { command: "notify-send hi" } }, { notify: { timeout: "5s" } }])
        .notify,
    ).toEqual({ command: "notify-send hi", timeoutMs: 5_000 });
    expect(
      mergeConfig([
        { notify: { command: "notify-send hi", timeout: "1m" } },
        { notify: { command: "" } },
      ]).notify,
    ).toEqual({ command: undefined, timeoutMs: 60_000 });
  });

  it("a timeout must be a duration above 0, the command a string", () => {
    expect(checkConfig({ notify: { command: "curl -d @- x", timeout: "10s" } }).issues).toEqual([]);
    expect(checkConfig({ notify: { command: 3, timeout: "0s" } }).issues).toEqual([
      { path: "notify.command", message: "must be a string" },
      { path: "notify.timeout", message: 'must be a duration above 0 such as "10s", "1m"' },
    ]);
  });
});
