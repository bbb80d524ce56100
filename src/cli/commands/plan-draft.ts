/**
 * `flux plan draft "<goal>"`: an agent CLI, read-only, writes a plan from the goal; Flux writes
 * it to doc/plans/PLAN-<name>.md, validates it, and sends every diagnostic back to the same
 * conversation until the plan is valid or the rounds run out (exit 3, the draft kept). Then it
 * prints the stage graph and the command that activates the plan.
 *
 * The prompt is templates/plan-draft.md around the planner agent's own instructions
 * (assets/agents/planner.md), the goal and a little of the repository: its top-level entries
 * and the head of its README. The loop is src/core/plan-draft; one question to an agent is
 * src/adapters/agents/ask.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { findRepo } from "../../adapters/git/index.ts";
import { askAgent } from "../../adapters/agents/ask.ts";
import { isAgentAdapterKind, resolveAgentBinary } from "../../adapters/agents/index.ts";
import type { AgentAdapterKind } from "../../adapters/agents/index.ts";
import { fluxPackageRoot } from "../../adapters/library/package-root.ts";
import { hasErrors } from "../../core/diagnostics.ts";
import { ExitCode, FluxError } from "../../core/errors.ts";
import { splitFrontmatter } from "../../core/install/library.ts";
import type { Plan } from "../../core/plan/model.ts";
import {
  PLAN_NAME_MAX,
  countDiagnostics,
  draftLoop,
  formatDiagnosticsForAgent,
  planNameFromGoal,
} from "../../core/plan-draft/index.ts";
import type { DraftProgress } from "../../core/plan-draft/index.ts";
import { checkNames, parseTemplate, renderTemplate } from "../../core/signal/template.ts";
import { isStageId } from "../../core/stage/id.ts";
import { printDiagnostics } from "../errors.ts";
import type { CommandContext } from "../main.ts";
import { json, paint } from "../output.ts";
import { buildGraph, renderGraphText } from "../render/graph.ts";
import { checkPlan } from "./init.ts";

export interface PlanDraftOptions {
  agent?: string;
  name?: string;
  rounds?: string;
  model?: string;
  force?: boolean;
  json?: boolean;
}

export const DEFAULT_DRAFT_ROUNDS = 3;
const MAX_DRAFT_ROUNDS = 10;
/** The repository context stays small: the agent can look further itself. */
const MAX_ENTRIES = 60;
const README_LINES = 40;
const README_CHARS = 3000;
const SKIPPED_ENTRIES = new Set([".git", ".work", ".worktrees", "node_modules"]);

export async function planDraft(
  ctx: CommandContext,
  goalText: string,
  opts: PlanDraftOptions,
): Promise<number> {
  const goal = goalText.trim();
  if (goal === "") {
    throw new FluxError("INVALID_ARGUMENT", "flux plan draft needs a goal", {
      hint: 'say what the plan should achieve: flux plan draft "add JWT login to the API"',
    });
  }
  const agent = opts.agent ?? "claude";
  if (!isAgentAdapterKind(agent)) {
    throw new FluxError("INVALID_ARGUMENT", `--agent ${agent}: not an agent CLI`, {
      hint: "use claude, codex or opencode",
    });
  }
  const rounds = parseRounds(opts.rounds);
  const name = opts.name ?? planNameFromGoal(goal);
  if (!isStageId(name) || name.length > PLAN_NAME_MAX) {
    throw new FluxError("PLAN_BAD_NAME", `"${name}" is not a usable plan name`, {
      hint: `use lowercase letters, digits and dashes, up to ${PLAN_NAME_MAX} characters, e.g. --name user-auth`,
    });
  }
  const root = repositoryRoot(ctx.cwd);
  const absolute = path.join(root, "doc", "plans", `PLAN-${name}.md`);
  // Diagnostics name the file as the agent sees it (its working directory is the root)…
  const file = path.relative(root, absolute).split(path.sep).join("/");
  // …and the user as they would type it from here.
  const shown = path.relative(ctx.cwd, absolute) || absolute;
  if (fs.existsSync(absolute) && opts.force !== true) {
    throw new FluxError("PLAN_EXISTS", `${shown} already exists`, {
      hint: "pick another name with --name, or pass --force to overwrite it",
    });
  }
  const bin = resolveAgentBinary(agent, {
    env: ctx.env,
    projectBin: path.join(fluxPackageRoot(), "node_modules", ".bin"),
  });

  const templates = loadTemplates();
  const firstPrompt = renderTemplate(templates.draft, {
    planner: plannerInstructions(),
    goal,
    plan_file: file,
    cwd: root,
    ...repositoryContext(root),
  });
  let plan: Plan | undefined;
  fs.mkdirSync(path.dirname(absolute), { recursive: true });
  const result = await draftLoop({
    rounds,
    firstPrompt,
    repairPrompt: (diagnostics) =>
      renderTemplate(templates.repair, {
        plan_file: file,
        summary: countDiagnostics(diagnostics),
        diagnostics: formatDiagnosticsForAgent(diagnostics),
      }),
    ask: (prompt, conversation) =>
      askAgent({
        kind: agent,
        bin,
        cwd: root,
        env: ctx.env,
        prompt,
        resume: conversation,
        model: opts.model,
      }),
    check: (document) => {
      fs.writeFileSync(absolute, document);
      const checked = checkPlan(document, file);
      plan = checked.plan;
      const ok = checked.plan !== undefined && !hasErrors(checked.diagnostics);
      return { ok, diagnostics: checked.diagnostics };
    },
    progress: (event) => ctx.output.err(progressLine(ctx, agent, event)),
  });

  const next = `flux init ${shown}`;
  if (!result.ok || plan === undefined) {
    if (opts.json !== true) printDiagnostics(ctx.output, result.diagnostics);
    throw new FluxError(
      "PLAN_DRAFT_INVALID",
      `${agent} gave no valid plan in ${result.rounds} round${result.rounds === 1 ? "" : "s"} (${countDiagnostics(result.diagnostics)} left); the last draft is kept in ${shown}`,
      {
        hint: `fix it by hand and check it with \`flux validate ${shown}\`, or draft again with --force (and more --rounds)`,
        data: {
          file: shown,
          rounds: result.rounds,
          conversation: result.conversation,
          diagnostics: result.diagnostics,
        },
      },
    );
  }
  const view = graphOf(plan, file);
  if (opts.json === true) {
    ctx.output.out(
      json({
        ok: true,
        file: shown,
        agent,
        rounds: result.rounds,
        conversation: result.conversation,
        stages: plan.stages.length,
        diagnostics: result.diagnostics,
        graph: view,
        next,
      }),
    );
    return ExitCode.ok;
  }
  printDiagnostics(ctx.output, result.diagnostics);
  const c = ctx.output.color;
  ctx.output.out(renderGraphText(view, c));
  ctx.output.out("");
  const after = result.rounds === 1 ? "" : ` after ${result.rounds} rounds`;
  ctx.output.out(
    `Wrote ${shown}: ${plan.stages.length} stage${plan.stages.length === 1 ? "" : "s"}, valid${after}. Review it, then:`,
  );
  ctx.output.out(`  ${paint(c, "bold", next)}`);
  return ExitCode.ok;
}

function parseRounds(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DRAFT_ROUNDS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DRAFT_ROUNDS) {
    throw new FluxError("INVALID_ARGUMENT", `--rounds ${value}: not a number of rounds`, {
      hint: `a whole number from 1 to ${MAX_DRAFT_ROUNDS} (default ${DEFAULT_DRAFT_ROUNDS})`,
    });
  }
  return n;
}

function repositoryRoot(cwd: string): string {
  try {
    return findRepo(cwd).root;
  } catch (error) {
    if (!(error instanceof FluxError) || error.code !== "NOT_A_GIT_REPO") throw error;
    return cwd;
  }
}

function progressLine(ctx: CommandContext, agent: AgentAdapterKind, event: DraftProgress): string {
  const round = paint(ctx.output.color, "dim", `round ${event.round}/${event.rounds}:`);
  if (event.kind === "asking") {
    return event.repair
      ? `${round} sending the diagnostics back to ${agent}…`
      : `${round} asking ${agent} for a plan…`;
  }
  const { ok, diagnostics } = event.check;
  if (ok) {
    return diagnostics.length === 0
      ? `${round} the plan is valid`
      : `${round} the plan is valid (${countDiagnostics(diagnostics).replace(/^0 errors and /, "")})`;
  }
  const codes = [...new Set(diagnostics.map((d) => d.code))].join(", ");
  return `${round} ${countDiagnostics(diagnostics)} (${codes})`;
}

/** A plan that is not stored yet, drawn like `flux graph show` draws a stored one. */
function graphOf(plan: Plan, file: string) {
  return buildGraph(
    { file, title: plan.title, baseBranch: plan.baseBranch ?? "" },
    plan.stages.map((spec) => ({ id: spec.id, state: "waiting" as const, spec })),
  );
}

interface DraftTemplates {
  draft: string;
  repair: string;
}

function loadTemplates(): DraftTemplates {
  const dir = path.join(fluxPackageRoot(), "templates");
  const load = (name: string, names: string[]) => {
    const text = fs.readFileSync(path.join(dir, name), "utf8");
    checkNames(parseTemplate(text), new Set(names));
    return text;
  };
  return {
    draft: load("plan-draft.md", [
      "planner",
      "goal",
      "plan_file",
      "cwd",
      "entries",
      "readme",
      "readme_file",
    ]),
    repair: load("plan-draft-repair.md", ["plan_file", "summary", "diagnostics"]),
  };
}

/** The planner agent's instructions (assets/agents/planner.md without its frontmatter). */
function plannerInstructions(): string {
  const text = fs.readFileSync(
    path.join(fluxPackageRoot(), "assets", "agents", "planner.md"),
    "utf8",
  );
  return splitFrontmatter(text).body.trim();
}

/** The repository's top-level entries and the head of its README. */
function repositoryContext(root: string): { entries: string; readme: string; readme_file: string } {
  const dirents = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => !SKIPPED_ENTRIES.has(d.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  const shown = dirents
    .slice(0, MAX_ENTRIES)
    .map((d) => `- ${d.name}${d.isDirectory() ? "/" : ""}`);
  if (dirents.length > MAX_ENTRIES) shown.push(`- … and ${dirents.length - MAX_ENTRIES} more`);
  const readme = dirents.find(
    (d) => d.isFile() && /^readme(\.(md|markdown|txt|rst))?$/i.test(d.name),
  );
  let head = "";
  if (readme !== undefined) {
    head = fs
      .readFileSync(path.join(root, readme.name), "utf8")
      .split("\n")
      .slice(0, README_LINES)
      .join("\n")
      .slice(0, README_CHARS)
      .trim();
  }
  return { entries: shown.join("\n"), readme: head, readme_file: readme?.name ?? "" };
}
