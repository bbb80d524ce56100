/**
 * zod schemas of the stage actions and of the event a transition produces: for HTTP bodies,
 * MCP tool inputs and event payloads read back from the store. A separate module so that
 * `flux status` (states, machine, graph) never loads zod; ./machine.ts imports only the types.
 */
import { z } from "zod";
import { MANUAL_ACTIONS, STAGE_ACTIONS, STAGE_COUNTERS, STAGE_TRIGGERS } from "./actions.ts";
import { isManualAction } from "./actions.ts";
import { STAGE_STATES } from "./states.ts";

export const StageTrigger = z.enum(STAGE_TRIGGERS);
export const ManualAction = z.enum(MANUAL_ACTIONS);
export const StageAction = z.enum(STAGE_ACTIONS);
export const StageCounter = z.enum(STAGE_COUNTERS);

/**
 * A stage moved along an edge. The store adds the stage id, the sequence number, the time and
 * the actor when it records the event.
 */
export const StageTransitioned = z
  .object({
    type: z.literal("stage.transitioned"),
    from: z.enum(STAGE_STATES),
    to: z.enum(STAGE_STATES),
    /** The trigger or manual action that moved it. */
    trigger: StageAction,
    /** A human forced the edge (one of MANUAL_ACTIONS). */
    manual: z.boolean(),
    /** Why, in the words of whoever moved it; always present on forced `complete` and `block`. */
    reason: z.string().min(1).optional(),
    /** Retries and fix attempts were set back to zero (`reset`). */
    countersCleared: z.boolean(),
    /** The counter this edge adds one to (a crash: retries; a failed acceptance: fixAttempts). */
    counter: StageCounter.optional(),
  })
  .refine((event) => event.manual === isManualAction(event.trigger), {
    message: "manual must be true exactly for the manual actions",
    path: ["manual"],
  });
export type StageTransitioned = z.infer<typeof StageTransitioned>;

/** Every event the stage machine produces, discriminated by `type`. */
export const StageEvent = z.discriminatedUnion("type", [StageTransitioned]);
export type StageEvent = z.infer<typeof StageEvent>;
