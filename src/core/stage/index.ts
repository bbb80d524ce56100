/**
 * Stages: their states, the actions that move them and the state machine (DESIGN.md §2).
 * Free of zod so that `flux status` starts fast: the schemas are in ./schema.ts (StageState)
 * and ./event.ts (actions and StageEvent); import those directly where input is validated.
 */
export * from "./states.ts";
export * from "./actions.ts";
export { BY_DEPENDENCIES, STAGE_EDGES } from "./edges.ts";
export type { StageEdge } from "./edges.ts";
export { allowedActions, transition } from "./machine.ts";
export type { TransitionContext, TransitionResult } from "./machine.ts";
export type { StageEvent, StageTransitioned } from "./event.ts";
