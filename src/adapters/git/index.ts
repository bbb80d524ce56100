/** The git adapter: every git call Flux makes goes through here. */
export * from "./run.ts";
export * from "./repo.ts";
