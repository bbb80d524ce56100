/** The library's files on disk: Flux's package and assets, the install targets, applying a plan. */
export * from "./assets.ts";
export * from "./package-root.ts";
export * from "./target-fs.ts";
export * from "./targets.ts";
