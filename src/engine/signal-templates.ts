/**
 * Where the signal template comes from: `signal.md` in the configured `prompt_dir` when that
 * file exists, else the default shipped with Flux in `templates/signal.md` at the package root.
 *
 * The default is found by walking up from this module to the directory holding package.json,
 * which is the package root both when running from `src/` (tsx, tests) and from `dist/`
 * (tsc does not copy .md files, so the template cannot live next to the code in a build).
 * package.json lists `templates` in `files`, so the default ships with the package.
 *
 * A template is checked when loaded (syntax, placeholder names), so a broken override is
 * reported at once with its file, not when the first session starts.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FluxError, isFluxError } from "../core/errors.ts";
import { checkSignalTemplate } from "../core/signal/index.ts";

export const SIGNAL_TEMPLATE_FILE = "signal.md";

/**
 * The signal template text, checked. `promptDir` is an absolute directory (the config's
 * `prompt_dir`); without it, or without a `signal.md` in it, the default is used.
 */
export function loadSignalTemplate(promptDir?: string): string {
  if (promptDir !== undefined) {
    const file = path.join(promptDir, SIGNAL_TEMPLATE_FILE);
    const text = readIfPresent(file);
    if (text !== undefined) return checked(text, file);
  }
  const file = defaultSignalTemplatePath();
  return checked(fs.readFileSync(file, "utf8"), file);
}

/** `templates/signal.md` under the package root. */
export function defaultSignalTemplatePath(): string {
  return path.join(packageRoot(), "templates", SIGNAL_TEMPLATE_FILE);
}

let root: string | undefined;

/** The nearest directory above this module that holds package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return (root = dir);
    if (path.dirname(dir) === dir) {
      throw new FluxError("PACKAGE_ROOT", `no package.json above ${start}`, {
        hint: "the Flux installation is incomplete; reinstall it",
      });
    }
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Checks a template, naming its file in the error. */
function checked(text: string, file: string): string {
  try {
    checkSignalTemplate(text);
  } catch (error) {
    if (!isFluxError(error)) throw error;
    throw new FluxError(error.code, `${file}: ${error.message}`, {
      hint: error.hint,
      exitCode: error.exitCode,
      data: { ...error.data, file },
      cause: error,
    });
  }
  return text;
}
