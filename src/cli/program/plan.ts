/**
 * `flux init`, `status`, `logs`, `tui`, `graph show|edit`: store the plan, follow its progress
 * and its sessions' output, draw or edit it; `flux plan draft`: have an agent write one.
 */
import type { Command } from "commander";
import { Option } from "commander";
import type { SetResult } from "./shared.ts";
import { examples } from "./shared.ts";

export function registerPlanCommands(program: Command, setResult: SetResult): void {
  program
    .command("init")
    .description("parse and validate a plan, then store it in .work/ (again: reconcile the edits)")
    .argument("<plan-path>", "the plan's markdown file")
    .option(
      "--force",
      "drop or rewrite stages that already started; replace a plan with unmerged stages",
    )
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples("flux init doc/plans/PLAN-auth.md", "flux init doc/plans/PLAN-auth.md --force"),
    )
    .action((planPath: string, opts: { force?: boolean; json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/init.ts")).init(c, planPath, opts),
        opts.json === true,
      );
    });

  program
    .command("status")
    .description(
      "plan progress, stage states, what each stage waits on, sessions; with a stage id: its detail",
    )
    .argument(
      "[stage-id]",
      "one stage in detail: sessions, acceptance evidence, handoffs, its last output",
    )
    .option("--json", "print the status as JSON")
    .option("-w, --watch", "redraw whenever the state changes (Ctrl-C to stop)")
    .addHelpText(
      "after",
      examples(
        "flux status",
        "flux status --json | jq '.stages[] | select(.state==\"ready\")'",
        "flux status --watch",
        "flux status api",
        "flux status api --json | jq '.sessions[-1]'",
      ),
    )
    .action((stageId: string | undefined, opts: { json?: boolean; watch?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/status.ts")).status(c, opts, stageId),
        opts.json === true,
      );
    });

  program
    .command("logs")
    .description(
      "a session's output as its pane shows it (a stage: its latest session), or its log as written",
    )
    .argument("<stage|session>", "a stage id (its latest session) or a session id")
    .option("-f, --follow", "follow the output as it comes; ends when the session ends")
    .option("--raw", "the NDJSON log as written (interactive Claude: its transcript)")
    .option("--session <n>", "with a stage: its n-th session, oldest first")
    .option("--all", "with a stage: every session, oldest first")
    .option("--json", "one JSON object per line: the session, then its readable lines")
    .addHelpText(
      "after",
      examples(
        "flux logs api",
        "flux logs api -f",
        "flux logs api --all",
        "flux logs api --session 1",
        "flux logs ses_0m3k2x9a1f3c9e0b7d2 --raw | jq -c 'select(.type==\"context\")'",
      ),
    )
    .action(
      (
        target: string,
        opts: { follow?: boolean; raw?: boolean; session?: string; all?: boolean; json?: boolean },
      ) => {
        setResult(
          async (c) => (await import("../commands/logs.ts")).logs(c, target, opts),
          opts.json === true,
        );
      },
    );

  program
    .command("tui")
    .description(
      "a full-screen dashboard: stages, context, sessions, a live log; keys to attach, verify, merge, resume, pause, drain",
    )
    .addHelpText(
      "after",
      examples("flux tui", "FLUX_WORK_DIR=~/src/api/.work flux tui") +
        "\nKeys: ↑↓/jk select · a attach · v verify · m merge · r resume · p pause · d drain ·\n" +
        "      u resume the flow · l log pane · ? help · q quit  (docs/cli.md)\n",
    )
    .action(() => {
      setResult(async (c) => (await import("../tui/index.ts")).tui(c), false);
    });

  const graph = program.command("graph").description("show or edit the stage graph");
  graph
    .command("show", { isDefault: true })
    .description("draw the stage DAG: levels, edges, states")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "dot", "mermaid", "json"])
        .default("text"),
    )
    .addHelpText(
      "after",
      examples(
        "flux graph show",
        "flux graph show --format dot | dot -Tsvg > plan.svg",
        "flux graph show --format mermaid",
      ),
    )
    .action((opts: { format: "text" | "dot" | "mermaid" | "json" }) => {
      setResult(
        async (c) => (await import("../commands/graph.ts")).graphShow(c, opts),
        opts.format === "json",
      );
    });
  graph
    .command("edit")
    .description("open the plan in $VISUAL/$EDITOR, then validate and reconcile it on save")
    .option("--force", "apply even when started stages are dropped or rewritten")
    .addHelpText("after", examples("flux graph edit", "EDITOR='code -w' flux graph edit"))
    .action((opts: { force?: boolean }) => {
      setResult(async (c) => (await import("../commands/graph.ts")).graphEdit(c, opts), false);
    });
}

/** `flux plan draft "<goal>"`, registered under the `plan` group (program/tools.ts creates it). */
export function registerPlanDraftCommand(plan: Command, setResult: SetResult): void {
  plan
    .command("draft")
    .description(
      "have an agent (read-only) write a plan for a goal to doc/plans/PLAN-<name>.md, validated and repaired until it is valid",
    )
    .argument("<goal>", "what the plan should achieve, in a sentence or a paragraph")
    .addOption(
      new Option("--agent <agent>", "the agent CLI that writes the plan")
        .choices(["claude", "codex", "opencode"])
        .default("claude"),
    )
    .option("--name <name>", "the plan's name (default: made from the goal)")
    .option("--rounds <n>", "most attempts, each one fed the last one's diagnostics (1-10)", "3")
    .option("--model <model>", "the model the agent uses (default: its own)")
    .option("--force", "overwrite an existing plan file")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples(
        'flux plan draft "add JWT login to the API"',
        'flux plan draft "move billing into its own module" --agent codex --name billing',
      ),
    )
    .action(
      (
        goal: string,
        opts: {
          agent: string;
          name?: string;
          rounds: string;
          model?: string;
          force?: boolean;
          json?: boolean;
        },
      ) => {
        setResult(
          async (c) => (await import("../commands/plan-draft.ts")).planDraft(c, goal, opts),
          opts.json === true,
        );
      },
    );
}
