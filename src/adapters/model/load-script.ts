/** Reads a script file (JSON) for `flux demo` and other callers that keep scripts on disk. */
import fs from "node:fs/promises";
import { ModelScriptError, parseScript, type Script } from "./script.ts";

export async function loadScript(file: string): Promise<Script> {
  const text = await fs.readFile(file, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new ModelScriptError(`model script ${file} is not JSON: ${error.message}`, {
      source: file,
    });
  }
  return parseScript(value, file);
}
