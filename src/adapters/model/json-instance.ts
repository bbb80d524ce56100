/**
 * A valid instance of a JSON Schema, for side calls that ask for structured output (Claude
 * Code's session title sends `output_config.format = {type: "json_schema", schema}`).
 * Covers the subset such schemas use: objects, arrays, scalars, enum/const, anyOf/oneOf/allOf.
 */
type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null;

export function jsonInstance(schema: unknown, key = "value"): unknown {
  if (!isSchema(schema)) return null;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ("default" in schema) return schema.default;
  for (const combiner of ["anyOf", "oneOf", "allOf"] as const) {
    const options = schema[combiner];
    if (Array.isArray(options) && options.length > 0) return jsonInstance(options[0], key);
  }
  const type = Array.isArray(schema.type) ? (schema.type[0] as unknown) : schema.type;
  switch (type) {
    case "object":
      return objectInstance(schema);
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      return Array.from({ length: min }, () => jsonInstance(schema.items, key));
    }
    case "string":
      return stringInstance(schema, key);
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 0;
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return isSchema(schema.properties) ? objectInstance(schema) : null;
  }
}

function objectInstance(schema: Schema): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  return Object.fromEntries(
    Object.entries(properties).map(([name, sub]) => [name, jsonInstance(sub, name)]),
  );
}

function stringInstance(schema: Schema, key: string): string {
  const text = key === "title" ? "Scripted session" : `Fake ${key}`;
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  return text.padEnd(min, ".").slice(0, max);
}
