/** Merging decisions (pure): predicted conflicts between branches in flight and merge order. */
export * from "./predict.ts";
export * from "./pr-body.ts";
export * from "./pull-request.ts";
