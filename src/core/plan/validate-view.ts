/**
 * The plan as the validation rules read it: plain data (whatever the YAML held, before the
 * schema accepted it), stages with their index, and the reporter every rule calls.
 */
import type { Severity } from "../diagnostics.ts";

export type Path = (string | number)[];

export type Data = Record<string, unknown>;

export function isRecord(value: unknown): value is Data {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const strings = (value: unknown): Array<[string, number]> =>
  Array.isArray(value)
    ? value.flatMap((v, i): Array<[string, number]> => (typeof v === "string" ? [[v, i]] : []))
    : [];

/** A stage as far as the rules can read it. Duplicates keep `first: false` and join no graph. */
export interface StageView {
  index: number;
  data: Data;
  id: string | undefined;
  first: boolean;
}

export type Report = (
  code: string,
  severity: Severity,
  message: string,
  path: Path,
  hint: string,
  target?: "key" | "value",
) => void;

/** `stage "api"`, or `stage #2` for one without a usable id. */
export function label(s: StageView): string {
  return s.id === undefined ? `stage #${s.index + 1}` : `stage "${s.id}"`;
}
