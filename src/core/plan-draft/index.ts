/**
 * `flux plan draft`: an agent writes a plan from a goal, and Flux validates it and sends the
 * diagnostics back until the plan is valid. This folder holds the pure parts: the document in
 * an answer, the plan's name, the feedback text, the loop over injected ask/check functions.
 */
export {
  PLAN_NAME_MAX,
  countDiagnostics,
  extractPlanDocument,
  formatDiagnosticsForAgent,
  planNameFromGoal,
} from "./document.ts";
export { draftLoop } from "./loop.ts";
export type {
  AgentAnswer,
  DraftCheck,
  DraftLoopOptions,
  DraftProgress,
  DraftResult,
} from "./loop.ts";
