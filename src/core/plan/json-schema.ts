/**
 * JSON Schema of the plan metadata, generated from the zod schema so the two cannot disagree.
 * schema/plan.schema.json is this function's output (`npm run schema`); a test fails when the
 * file drifts. The JSON Schema is stricter than Flux on one point: it rejects unknown keys
 * (`additionalProperties: false`) so tools that check a plan against it catch typos, while Flux
 * itself only warns about them (PLAN_UNKNOWN_KEY).
 */
import { z } from "zod";
import { PlanDocument } from "./schema.ts";

/** A URN rather than a URL: the schema ships in the package and is not served from anywhere. */
export const PLAN_SCHEMA_ID = "urn:flux:plan-metadata:1";

export function planJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(PlanDocument);
  return {
    $schema,
    $id: PLAN_SCHEMA_ID,
    title: "Flux plan metadata",
    description:
      "The YAML block after a plan's <!-- FLUX METADATA --> marker. See docs/plan-format.md.",
    ...rest,
  };
}

/** The file's exact text: two-space indentation and a final newline. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
