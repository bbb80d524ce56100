/** The process adapter: sessions as detached child processes, for machines without tmux. */
export * from "./backend.ts";
export type { SessionState } from "./state.ts";
