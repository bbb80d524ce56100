/** `flux init`, `status`, `graph show|edit`: store the plan, follow its progress, draw or edit it. */
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
    .description("plan progress, stage states, what each stage waits on, sessions")
    .option("--json", "print the status as JSON")
    .option("-w, --watch", "redraw whenever the state changes (Ctrl-C to stop)")
    .addHelpText(
      "after",
      examples(
        "flux status",
        "flux status --json | jq '.stages[] | select(.state==\"ready\")'",
        "flux status --watch",
      ),
    )
    .action((opts: { json?: boolean; watch?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/status.ts")).status(c, opts),
        opts.json === true,
      );
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
