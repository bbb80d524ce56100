/**
 * The stage state machine of DESIGN.md §2 as data: for every trigger and manual action, the
 * states it may leave, the state it enters and why the edge exists. `transition()` in
 * ./machine.ts reads this table; the docs and the dashboard can render it.
 *
 *   waiting → ready (⇄ parked) → running → (needs_handoff → running)* → checking → completed
 *     → [awaiting_verification → verified] → merged
 *
 * parked: every agent the stage may use is rate- or usage-limited; it waits for the earliest
 * reset, a deadline in the store (core/limits), and goes back to ready by itself.
 * Side states: blocked (needs a human), failed (retries exhausted), skipped, cancelled.
 * merged, skipped and cancelled are terminal: only `reset` leaves skipped and cancelled, and
 * nothing leaves merged (the work is on the base branch; undoing it is git's business).
 */
import type { StageState } from "./states.ts";
import type { StageAction, StageCounter } from "./actions.ts";

/** Target of `reset` and `resumed`: `ready` when every dependency is satisfied, else `waiting`. */
export const BY_DEPENDENCIES = "by_dependencies";

export interface StageEdge {
  readonly from: readonly StageState[];
  readonly to: StageState | typeof BY_DEPENDENCIES;
  /** Why the edge exists, in one line. */
  readonly why: string;
  /** The counter this edge adds one to. */
  readonly counter?: StageCounter;
  /** Refused without a reason: a forced edge must say why in the event log. */
  readonly reasonRequired?: boolean;
  /** Retries and fix attempts start again from zero. */
  readonly clearsCounters?: boolean;
}

/** States where a session is live (or its acceptance runs). */
const LIVE: readonly StageState[] = ["running", "needs_handoff", "checking"];
/** Done, but not on the base branch yet. */
const FINISHED: readonly StageState[] = ["completed", "awaiting_verification", "verified"];

export const STAGE_EDGES: { readonly [A in StageAction]: StageEdge } = {
  deps_satisfied: {
    from: ["waiting"],
    to: "ready",
    why: "every dependency is satisfied: the stage may start",
  },
  deps_unsatisfied: {
    from: ["ready"],
    to: "waiting",
    why: "a dependency was reset before this stage started",
  },
  session_started: { from: ["ready"], to: "running", why: "a session took the stage" },
  parked: {
    from: ["ready", "needs_handoff"],
    to: "parked",
    why: "every agent the stage may use is rate- or usage-limited: it waits for the earliest reset (not a failed attempt)",
  },
  unparked: {
    from: ["parked"],
    to: BY_DEPENDENCIES,
    why: "the limit it waited for has reset: the stage may start again",
  },
  handoff_requested: {
    from: ["running"],
    to: "needs_handoff",
    why: "context ran high: the session writes its handoff and stops",
  },
  handoff_resumed: {
    from: ["needs_handoff"],
    to: "running",
    why: "a fresh session continues from the handoff",
  },
  limit_reached: {
    from: ["running"],
    to: "needs_handoff",
    why: "the agent hit a rate or usage limit: Flux writes the handoff, the stage goes on when an agent is free (not a failed attempt)",
  },
  completion_requested: {
    from: ["running"],
    to: "checking",
    why: "the agent asks to complete: Flux runs the acceptance rather than trust the claim",
  },
  session_exited: {
    from: ["running"],
    to: "checking",
    why: "the agent exited without asking: Flux runs the acceptance anyway",
  },
  acceptance_passed: {
    from: ["checking"],
    to: "completed",
    why: "every acceptance command passed on the committed state",
  },
  acceptance_failed: {
    from: ["checking"],
    to: "running",
    why: "the live session gets the failure as feedback and keeps working",
    counter: "fixAttempts",
  },
  fix_attempts_exhausted: {
    from: ["checking"],
    to: "blocked",
    why: "acceptance failed max_fix_attempts times: a human looks",
    counter: "fixAttempts",
  },
  session_crashed: {
    from: LIVE,
    to: "ready",
    why: "the session died, or exited and failed acceptance: restart with a recovery signal",
    counter: "retries",
  },
  start_failed: {
    from: ["running"],
    to: "ready",
    why: "the agent CLI could not start (it exited within seconds, before any model call): it is tried once more, then the stage blocks with what it said",
  },
  retries_exhausted: {
    from: ["ready", ...LIVE],
    to: "failed",
    // Not a retry: the counter says how many restarts happened ("Retries: 1 of 1").
    why: "the last session max_retries allows crashed or could not start",
  },
  question_asked: {
    from: ["running"],
    to: "blocked",
    why: "the agent asked the human a question and waits for the answer",
  },
  question_answered: {
    from: ["blocked"],
    to: "running",
    why: "the answer reached the live session that asked, which goes on",
  },
  timed_out: {
    from: ["running", "needs_handoff"],
    to: "ready",
    why: "the session ran past the stage's timeout: it is stopped and the stage restarts with a recovery signal",
    counter: "retries",
  },
  session_replaced: {
    from: ["running"],
    to: "ready",
    why: "acceptance failed after the session that must fix it ended: a new session starts with the failure",
  },
  gate_opened: {
    from: ["completed"],
    to: "awaiting_verification",
    why: "the stage has `verify: human`: it waits at its gate before merging",
  },
  gate_approved: {
    from: ["awaiting_verification"],
    to: "verified",
    why: "a human approved the work",
  },
  gate_rejected: {
    from: ["awaiting_verification"],
    to: "ready",
    why: "a human rejected the work: a new session starts with the feedback",
  },
  recheck_requested: {
    from: ["completed", "awaiting_verification", "verified", "blocked"],
    to: "checking",
    why: "the branch moved since acceptance passed (base merged in, or a stacked stage rebased): check again before merging",
  },
  merge_conflict: {
    from: ["completed", "verified"],
    to: "blocked",
    why: "the branch conflicts with the base: a human merges the base into it",
  },
  resolve_requested: {
    from: ["completed", "verified", "blocked"],
    to: "ready",
    why: "the branch conflicts with the base and an agent resolves it (`merge_conflict: agent`, `flux merge --resolve`): a new session merges the base in; the base is untouched until its acceptance passes",
    counter: "fixAttempts",
  },
  merged: {
    from: ["completed", "verified"],
    to: "merged",
    why: "the work is on the base branch",
  },
  resumed: {
    from: ["blocked", "failed", "parked"],
    to: BY_DEPENDENCIES,
    why: "`flux resume`: a new session starts; counters are kept (`reset` clears them)",
  },

  complete: {
    from: ["waiting", "ready", "parked", ...LIVE, "blocked", "failed"],
    to: "completed",
    why: "a human vouches for the work without (or despite) its acceptance",
    reasonRequired: true,
  },
  block: {
    from: ["waiting", "ready", "parked", ...LIVE, ...FINISHED, "failed"],
    to: "blocked",
    why: "a human holds the stage; a live session stops",
    reasonRequired: true,
  },
  reset: {
    from: [
      "waiting",
      "ready",
      "parked",
      ...LIVE,
      ...FINISHED,
      "blocked",
      "failed",
      "skipped",
      "cancelled",
    ],
    to: BY_DEPENDENCIES,
    why: "start over with fresh counters (merged work is on the base branch and stays)",
    clearsCounters: true,
  },
  skip: {
    from: ["waiting", "ready", "parked", ...FINISHED, "blocked", "failed"],
    to: "skipped",
    why: "drop the stage, its dependents go on; never while a live session still changes the work",
  },
  cancel: {
    from: ["waiting", "ready", "parked", ...LIVE, ...FINISHED, "blocked", "failed"],
    to: "cancelled",
    why: "stop the stage for good; its dependents keep waiting",
  },
};
