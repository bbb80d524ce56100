/** `flux plan new <name>` and `flux plan schema`. */
import fs from "node:fs";
import path from "node:path";
import { findRepo } from "../../adapters/git/index.ts";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { isStageId } from "../../core/stage/id.ts";
import type { CommandContext } from "../main.ts";

const TEMPLATE = new URL("../../../templates/plan.md", import.meta.url);

/** Plan names become stage id prefixes, so they follow the id rule with room for a suffix. */
const MAX_NAME_LENGTH = 41;

export function renderPlanTemplate(name: string): string {
  const title = name.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase());
  return fs
    .readFileSync(TEMPLATE, "utf8")
    .replaceAll("{{name}}", name)
    .replaceAll("{{title}}", title);
}

export function planNew(ctx: CommandContext, name: string, opts: { force?: boolean }): number {
  if (!isStageId(name) || name.length > MAX_NAME_LENGTH) {
    throw new FluxError("PLAN_BAD_NAME", `"${name}" is not a usable plan name`, {
      hint: `use lowercase letters, digits and dashes, up to ${MAX_NAME_LENGTH} characters, e.g. \`flux plan new user-auth\``,
    });
  }
  let root = ctx.cwd;
  try {
    root = findRepo(ctx.cwd).root;
  } catch (error) {
    if (!(error instanceof FluxError) || error.code !== "NOT_A_GIT_REPO") throw error;
  }
  const file = path.join(root, "doc", "plans", `PLAN-${name}.md`);
  const rel = path.relative(ctx.cwd, file) || file;
  if (fs.existsSync(file) && opts.force !== true) {
    throw new FluxError("PLAN_EXISTS", `${rel} already exists`, {
      hint: "pick another name, or pass --force to overwrite it",
    });
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, renderPlanTemplate(name));
  ctx.output.out(`Wrote ${rel}. Edit its stages, then: flux init ${rel}`);
  return ExitCode.ok;
}

export async function planSchema(ctx: CommandContext): Promise<number> {
  const { planJsonSchema } = await import("../../core/plan/json-schema.ts");
  ctx.output.out(JSON.stringify(planJsonSchema(), null, 2));
  return ExitCode.ok;
}
