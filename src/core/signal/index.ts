/**
 * Signals: the assignment a session starts from (DESIGN.md §2, §4). `renderSignal(template,
 * data)` is pure; the engine loads the template (src/engine/signal-templates.ts) and gathers
 * the data. `formatFeedback` is the text an agent gets after a failed attempt, wherever it
 * reads it.
 */
export type {
  DependencyOutput,
  FailedCheck,
  Feedback,
  Recovery,
  SessionFacts,
  SignalData,
} from "./data.ts";
export { COMPLETE_COMMAND } from "./data.ts";
export { formatFeedback } from "./feedback.ts";
export { renderSkills } from "./skills.ts";
export type { SignalSkills } from "./skills.ts";
export { SIGNAL_PLACEHOLDERS, checkSignalTemplate, renderSignal, signalValues } from "./render.ts";
export type { SignalPlaceholder } from "./render.ts";
export { checkNames, parseTemplate, renderTemplate } from "./template.ts";
export type { TemplateNode } from "./template.ts";
