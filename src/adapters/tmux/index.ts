/** The tmux adapter: every tmux call Flux makes goes through here. */
export * from "./tmux.ts";
export * from "./commands.ts";
export * from "./backend.ts";
