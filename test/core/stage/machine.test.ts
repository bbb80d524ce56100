import { describe, expect, it } from "vitest";
import { ExitCode, FluxError } from "../../../src/core/errors.ts";
import {
  MANUAL_ACTIONS,
  STAGE_ACTIONS,
  STAGE_EDGES,
  STAGE_STATES,
  allowedActions,
  isManualAction,
  isStageAction,
  transition,
} from "../../../src/core/stage/index.ts";
import type { StageAction, StageState } from "../../../src/core/stage/index.ts";
import { StageEvent } from "../../../src/core/stage/event.ts";

/**
 * The legal edges, written out independently of STAGE_EDGES: from-state → action → target.
 * `reset` and `resumed` land on `ready` here because the test passes depsSatisfied: true.
 */
const LEGAL: Record<StageState, Partial<Record<StageAction, StageState>>> = {
  waiting: {
    deps_satisfied: "ready",
    complete: "completed",
    block: "blocked",
    reset: "ready",
    skip: "skipped",
    cancel: "cancelled",
  },
  ready: {
    deps_unsatisfied: "waiting",
    session_started: "running",
    parked: "parked",
    retries_exhausted: "failed",
    complete: "completed",
    block: "blocked",
    reset: "ready",
    skip: "skipped",
    cancel: "cancelled",
  },
  parked: {
    unparked: "ready",
    resumed: "ready",
    complete: "completed",
    block: "blocked",
    reset: "ready",
    skip: "skipped",
    cancel: "cancelled",
  },
  running: {
    handoff_requested: "needs_handoff",
    limit_reached: "needs_handoff",
    completion_requested: "checking",
    session_exited: "checking",
    session_crashed: "ready",
    start_failed: "ready",
    retries_exhausted: "failed",
    question_asked: "blocked",
    timed_out: "ready",
    session_replaced: "ready",
    complete: "completed",
    block: "blocked",
    reset: "ready",
    cancel: "cancelled",
  },
  needs_handoff: {
    handoff_resumed: "running",
    parked: "parked",
    session_crashed: "ready",
    retries_exhausted: "failed",
    timed_out: "ready",
    complete: "completed",
    block: "blocked",
    reset: "ready",
    cancel: "cancelled",
  },
  checking: {
    acceptance_passed: "completed",
    acceptance_failed: "running",
    fix_attempts_exhausted: "blocked",
    session_crashed: "ready",
    retries_exhausted: "failed",
    complete: "completed",
    block: "blocked",
    reset: "ready",
    cancel: "cancelled",
  },
  completed: {
    gate_opened: "awaiting_verification",
    recheck_requested: "checking",
    merge_conflict: "blocked",
    resolve_requested: "ready",
    merged: "merged",
    block: "blocked",
    reset: "ready",
    skip: "skipped",
    cancel: "cancelled",
  },
  awaiting_verification: {
    gate_approved: "verified",
    gate_rejected: "ready",
    recheck_requested: "checking",
    block: "blocked",
    reset: "ready",
    skip: "skipped",
    cancel: "cancelled",
  },
  verified: {
    recheck_requested: "checking",
    merge_conflict: "blocked",
    resolve_requested: "ready",
    merged: "merged",
    block: "blocked",
    reset: "ready",
    skip: "skipped",
    cancel: "cancelled",
  },
  merged: {},
  blocked: {
    question_answered: "running",
    recheck_requested: "checking",
    resolve_requested: "ready",
    resumed: "ready",
    complete: "completed",
    reset: "ready",
    skip: "skipped",
    cancel: "cancelled",
  },
  failed: {
    resumed: "ready",
    complete: "completed",
    block: "blocked",
    reset: "ready",
    skip: "skipped",
    cancel: "cancelled",
  },
  skipped: { reset: "ready" },
  cancelled: { reset: "ready" },
};

const PAIRS = STAGE_STATES.flatMap((state) =>
  STAGE_ACTIONS.map((action) => [state, action, LEGAL[state][action]] as const),
);

function catchError(fn: () => unknown): FluxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FluxError) return error;
    throw error;
  }
  throw new Error("expected a FluxError");
}

describe("transition, every (state, action) pair", () => {
  it("covers all 14 states × 33 actions", () => {
    expect(PAIRS).toHaveLength(14 * 33);
  });

  it.each(PAIRS)("%s --%s-->", (state, action, target) => {
    const ctx = { reason: "because", depsSatisfied: true, stageId: "api" };
    if (target === undefined) {
      const error = catchError(() => transition(state, action, ctx));
      expect(error.code).toBe("STAGE_ILLEGAL_TRANSITION");
      expect(error.exitCode).toBe(ExitCode.refused);
      expect(error.message).toContain(state);
      expect(error.message).toContain(action);
      expect(error.data).toMatchObject({ from: state, action, allowed: allowedActions(state) });
      expect(error.hint).toBeTruthy();
      return;
    }
    const { state: next, event } = transition(state, action, ctx);
    expect(next).toBe(target);
    expect(event).toMatchObject({
      type: "stage.transitioned",
      from: state,
      to: target,
      trigger: action,
      manual: isManualAction(action),
      reason: "because",
      countersCleared: action === "reset",
    });
    expect(StageEvent.parse(event)).toEqual(event);
  });
});

describe("transition details", () => {
  it("sends reset and resumed to waiting unless the dependencies are satisfied", () => {
    expect(transition("failed", "reset", { depsSatisfied: false }).state).toBe("waiting");
    expect(transition("failed", "reset").state).toBe("waiting");
    expect(transition("blocked", "resumed", { depsSatisfied: false }).state).toBe("waiting");
    expect(transition("blocked", "resumed", { depsSatisfied: true }).state).toBe("ready");
  });

  it("says when counters are cleared and which counter an edge adds to", () => {
    expect(transition("cancelled", "reset", { depsSatisfied: true }).event.countersCleared).toBe(
      true,
    );
    expect(transition("failed", "resumed").event.countersCleared).toBe(false);
    expect(transition("running", "session_crashed").event.counter).toBe("retries");
    // A conflict resolution by an agent is a fix attempt: max_fix_attempts bounds them.
    expect(transition("completed", "resolve_requested").event.counter).toBe("fixAttempts");
    expect(transition("blocked", "resolve_requested").state).toBe("ready");
    // Exhausting the retries is not one more retry: "Retries: 1 of 1", never "2 of 1".
    expect(transition("running", "retries_exhausted").event.counter).toBeUndefined();
    expect(transition("checking", "acceptance_failed").event.counter).toBe("fixAttempts");
    expect(transition("checking", "fix_attempts_exhausted").event.counter).toBe("fixAttempts");
    expect(transition("ready", "session_started").event).toEqual({
      type: "stage.transitioned",
      from: "ready",
      to: "running",
      trigger: "session_started",
      manual: false,
      countersCleared: false,
    });
  });

  it("requires a reason to force complete or block", () => {
    for (const action of ["complete", "block"] as const) {
      for (const reason of [undefined, "", "   "]) {
        const error = catchError(() => transition("running", action, { reason, stageId: "api" }));
        expect(error.code).toBe("STAGE_REASON_REQUIRED");
        expect(error.exitCode).toBe(ExitCode.usage);
        expect(error.hint).toContain("flux stage api");
      }
    }
    expect(transition("running", "cancel").event.reason).toBeUndefined();
    expect(transition("running", "block", { reason: " stuck " }).event.reason).toBe("stuck");
  });

  it("checks the edge before the reason", () => {
    expect(catchError(() => transition("merged", "complete")).code).toBe(
      "STAGE_ILLEGAL_TRANSITION",
    );
  });

  it("points at the command that helps", () => {
    const hint = (state: StageState, action: StageAction) =>
      catchError(() => transition(state, action, { stageId: "api", reason: "r" })).hint;
    expect(hint("running", "skip")).toContain("`flux stage api block`");
    expect(hint("cancelled", "skip")).toContain("`flux stage api reset`");
    expect(hint("failed", "session_started")).toContain("`flux resume api`");
    expect(hint("blocked", "block")).toContain("already blocked");
    expect(hint("awaiting_verification", "complete")).toContain("`flux verify api`");
    expect(hint("merged", "reset")).toContain("base branch");
    expect(catchError(() => transition("merged", "reset")).message).toBe(
      "cannot reset a stage that is merged (allowed from merged: none)",
    );
  });

  it("rejects an action it does not know", () => {
    expect(() => transition("ready", "explode" as StageAction)).toThrow(/unknown stage action/);
  });
});

describe("helpers", () => {
  it("allowedActions lists exactly the legal actions", () => {
    for (const state of STAGE_STATES) {
      expect(new Set(allowedActions(state))).toEqual(new Set(Object.keys(LEGAL[state])));
    }
  });

  it("knows the manual actions", () => {
    expect(MANUAL_ACTIONS).toEqual(["complete", "block", "reset", "skip", "cancel"]);
    for (const action of STAGE_ACTIONS) {
      expect(isManualAction(action)).toBe((MANUAL_ACTIONS as readonly string[]).includes(action));
    }
    expect(isStageAction("session_started")).toBe(true);
    expect(isStageAction("explode")).toBe(false);
  });

  it("documents every edge with a reason", () => {
    for (const action of STAGE_ACTIONS) expect(STAGE_EDGES[action].why.length).toBeGreaterThan(10);
  });

  it("leaves terminal states only through reset, and merged not at all", () => {
    expect(allowedActions("merged")).toEqual([]);
    expect(allowedActions("skipped")).toEqual(["reset"]);
    expect(allowedActions("cancelled")).toEqual(["reset"]);
  });
});

describe("StageEvent schema", () => {
  it("refuses an event whose manual flag contradicts its trigger", () => {
    const event = transition("ready", "session_started").event;
    expect(StageEvent.safeParse({ ...event, manual: true }).success).toBe(false);
    expect(StageEvent.safeParse({ ...event, to: "nowhere" }).success).toBe(false);
  });
});
