/**
 * Errors with a stable code, structured data and a hint for the person reading them: the codes
 * and their exit codes (errors/codes.ts), the FluxError class, and one factory per recurring
 * error so the same failure reads the same everywhere (`stageNotFound(id, known)`). Free of zod
 * and I/O: every command imports it.
 */
export * from "./errors/codes.ts";
export * from "./errors/flux-error.ts";
export * from "./errors/access.ts";
export * from "./errors/backup.ts";
export * from "./errors/daemon.ts";
export * from "./errors/environment.ts";
export * from "./errors/handoff.ts";
export * from "./errors/session.ts";
export * from "./errors/stage.ts";
export * from "./errors/system.ts";
