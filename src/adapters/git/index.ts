/** The git adapter: every git call Flux makes goes through here. */
export * from "./run.ts";
export * from "./run-async.ts";
export * from "./repo.ts";
export * from "./inspect.ts";
export * from "./worktree.ts";
export * from "./merge.ts";
export * from "./lock.ts";
export * from "./version.ts";
export * from "./inspect-async.ts";
export * from "./merge-tree.ts";
export * from "./rebase.ts";
export * from "./remote.ts";
