/** schema/plan.schema.json must be exactly what the zod schema generates. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { planJsonSchema, planJsonSchemaText } from "../../../src/core/plan/index.ts";

const file = fileURLToPath(new URL("../../../schema/plan.schema.json", import.meta.url));

describe("plan JSON Schema", () => {
  it("matches schema/plan.schema.json", () => {
    const onDisk = readFileSync(file, "utf8");
    const regenerate =
      "schema/plan.schema.json is out of date with src/core/plan/schema.ts: run `npm run schema` " +
      "(node bin/flux.js plan schema > schema/plan.schema.json) and commit the result";
    expect(onDisk === planJsonSchemaText(), regenerate).toBe(true);
  });

  it("describes the plan document", () => {
    const schema = planJsonSchema();
    expect(schema).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "urn:flux:plan-metadata:1",
      title: "Flux plan metadata",
      type: "object",
      required: ["flux"],
    });
    const text = JSON.stringify(schema);
    for (const word of ["parallel_group", "acceptance", "stdout_contains", "permission_mode"]) {
      expect(text).toContain(word);
    }
  });
});
