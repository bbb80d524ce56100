/**
 * The plan: a markdown file with a FLUX METADATA YAML block. Parse it with `parsePlan`, which
 * returns the resolved Plan (every default applied) or the diagnostics that explain why not.
 */
export * from "./schema.ts";
export * from "./model.ts";
export { formatDuration, parseDuration } from "./duration.ts";
export type { ExtractedPlan, MetadataBlock } from "./extract.ts";
export { extractMetadata, METADATA_EXAMPLE } from "./extract.ts";
export type { ParseOptions, ParseResult } from "./parse.ts";
export type { WorkKind, WorkMeter } from "./work.ts";
export { parsePlan, sortDiagnostics } from "./parse.ts";
export type { Locate, Path, Position } from "./validate.ts";
export { validateMetadata } from "./validate.ts";
export {
  boundedDistance,
  closest,
  didYouMean,
  levenshtein,
  MAX_SUGGEST_LENGTH,
  slugify,
  SuggestBudget,
} from "./suggest.ts";
export {
  globsOverlap,
  literalPrefixes,
  MAX_GLOB_LENGTH,
  overlappingClasses,
  overlappingGlobs,
  samplePaths,
} from "./overlap.ts";
export { PLAN_SCHEMA_ID, planJsonSchema, planJsonSchemaText } from "./json-schema.ts";
