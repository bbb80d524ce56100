/** `flux install`, `flux uninstall` and `flux self-update`: the library and Flux itself. */
import type { Command } from "commander";
import type { SetResult } from "./shared.ts";
import { examples } from "./shared.ts";

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

interface InstallFlags {
  for?: string[];
  target?: string;
  dryRun?: boolean;
  check?: boolean;
  force?: boolean;
  json?: boolean;
}

export function registerInstallCommands(program: Command, setResult: SetResult): void {
  program
    .command("install")
    .description(
      "install Flux's agents, skills and CLAUDE.md rules into Claude Code (or Codex, opencode)",
    )
    .option(
      "--for <agents>",
      "claude, codex, opencode or all (comma-separated, repeatable; default claude)",
      collect,
    )
    .option("--target <dir>", "install into this directory instead of the agent's config directory")
    .option("--dry-run", "print what would change, write nothing")
    .option("--check", "exit 0 when up to date, 1 when an install is needed (writes nothing)")
    .option("--force", "replace your own or edited files at the paths Flux uses")
    .option("--json", "print the plan and its outcome as JSON")
    .addHelpText(
      "after",
      examples(
        "flux install",
        "flux install --for all --dry-run",
        "flux install --check || flux install",
        "flux install --for codex --target ~/.codex",
      ),
    )
    .action((opts: InstallFlags) => {
      setResult(
        async (c) => (await import("../commands/install.ts")).install(c, opts),
        opts.json === true,
      );
    });

  program
    .command("uninstall")
    .description("remove exactly what `flux install` added (your edits stay without --force)")
    .option(
      "--for <agents>",
      "claude, codex, opencode or all (comma-separated, repeatable; default claude)",
      collect,
    )
    .option("--target <dir>", "the directory given to `flux install --target`")
    .option("--dry-run", "print what would be removed, remove nothing")
    .option("--force", "also remove files you edited since Flux wrote them")
    .option("--json", "print the outcome as JSON")
    .addHelpText("after", examples("flux uninstall", "flux uninstall --for all --dry-run"))
    .action((opts: InstallFlags) => {
      setResult(
        async (c) => (await import("../commands/install.ts")).uninstall(c, opts),
        opts.json === true,
      );
    });

  program
    .command("self-update")
    .description(
      "update Flux (from the npm registry, or a tarball or directory) and refresh installed libraries",
    )
    .option(
      "--from <tarball|dir>",
      "install this package file or checkout instead of the registry's latest",
    )
    .option(
      "--prefix <dir>",
      "the npm prefix to install into (default: the one this flux runs from)",
    )
    .option("--dry-run", "print what would be done, do nothing")
    .option("--json", "print the outcome as JSON")
    .addHelpText(
      "after",
      examples(
        "flux self-update",
        "flux self-update --from ./flux-agents-flux-0.2.0.tgz",
        "flux self-update --dry-run",
      ),
    )
    .action((opts: { from?: string; prefix?: string; dryRun?: boolean; json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/self-update.ts")).selfUpdate(c, opts),
        opts.json === true,
      );
    });
}
