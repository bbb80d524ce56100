/** `flux attach`, `sessions`, `worktree`, `daemon`, `backup`: what a run leaves running, and its store. */
import type { Command } from "commander";
import { FluxError } from "../../core/errors.ts";
import type { SetResult } from "./shared.ts";
import { examples } from "./shared.ts";

function attachNeedsTarget(): FluxError {
  return new FluxError("USAGE", "flux attach needs a target: a stage id, a session id, or `list`", {
    hint: "`flux attach list` shows the sessions you can attach to; `flux attach <stage>` attaches to a stage's session",
  });
}

export function registerSessionCommands(program: Command, setResult: SetResult): void {
  program
    .command("attach")
    .description("attach your terminal to a stage's session (detach: Ctrl-B D)")
    // Optional, so that its absence gets Flux's own answer: which target to give.
    .argument("[target]", "a stage id or a session id, or `list`")
    .option("--json", "with list: print as JSON")
    .addHelpText("after", examples("flux attach list", "flux attach api"))
    .action((target: string | undefined, opts: { json?: boolean }) => {
      setResult(
        async (c) =>
          target === undefined
            ? Promise.reject(attachNeedsTarget())
            : target === "list"
              ? (await import("../commands/sessions.ts")).attachList(c, opts)
              : (await import("../commands/sessions.ts")).attach(c, target),
        opts.json === true,
      );
    });

  const sessions = program.command("sessions").description("list or kill sessions");
  sessions
    .command("list", { isDefault: true })
    .description("sessions: id, stage, status, agent, backend, age")
    .option("--all", "include ended sessions")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux sessions list", "flux sessions list --all --json"))
    .action((opts: { all?: boolean; json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/sessions.ts")).sessionsList(c, opts),
        opts.json === true,
      );
    });
  sessions
    .command("kill")
    .description('stop a session; its stage goes blocked ("killed by user")')
    .argument("<session-id>", "the session")
    .addHelpText("after", examples("flux sessions kill ses_0abc…"))
    .action((id: string) => {
      setResult(async (c) => (await import("../commands/sessions.ts")).sessionsKill(c, id), false);
    });

  const worktree = program
    .command("worktree")
    .description("list stage worktrees, clean finished ones");
  worktree
    .command("list", { isDefault: true })
    .description("worktrees: stage, state, uncommitted files, unmerged commits")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux worktree list"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/worktree.ts")).worktreeList(c, opts),
        opts.json === true,
      );
    });
  worktree
    .command("clean")
    .description("remove worktrees of merged, skipped or cancelled stages with nothing unmerged")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux worktree clean"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/worktree.ts")).worktreeClean(c, opts),
        opts.json === true,
      );
    });

  const daemon = program.command("daemon").description("the engine host of this repository");
  daemon
    .command("start")
    .description("start the daemon (in the foreground; -d to detach)")
    .option("-d, --detach", "run in the background (output to .work/logs/daemon.log)")
    .addHelpText("after", examples("flux daemon start -d", "flux daemon start"))
    .action((opts: { detach?: boolean }) => {
      setResult(async (c) => (await import("../commands/daemon.ts")).daemonStart(c, opts), false);
    });
  daemon
    .command("stop")
    .description("stop the daemon (sessions keep running in tmux; the next start re-adopts them)")
    .addHelpText("after", examples("flux daemon stop"))
    .action(() => {
      setResult(async (c) => (await import("../commands/daemon.ts")).daemonStop(c), false);
    });
  daemon
    .command("poke", { hidden: true })
    .description("what tmux runs when a session closes: the daemon checks its sessions (internal)")
    .action(() => {
      setResult(async (c) => (await import("../commands/daemon-poke.ts")).daemonPoke(c), false);
    });
  daemon
    .command("resume")
    .description(
      "flow control: after `flux pause` or `flux drain`, start and merge stages as usual",
    )
    .option("--json", "print the mode as JSON")
    .addHelpText("after", examples("flux daemon resume"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/flow.ts")).setFlow(c, "running", opts),
        opts.json === true,
      );
    });
  daemon
    .command("status")
    .description("is the daemon running, where, since when")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux daemon status"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/daemon.ts")).daemonStatus(c, opts),
        opts.json === true,
      );
    });

  const backup = program
    .command("backup")
    .description("online backups of .work/flux.db: take one, list them, restore one")
    .addHelpText(
      "after",
      examples("flux backup", "flux backup list", "flux backup restore <file> --yes"),
    );
  backup
    .command("create", { isDefault: true })
    .description(
      "take a backup now, the default of `flux backup` (safe while the daemon runs; skipped when nothing changed)",
    )
    .option("--json", "print the result as JSON")
    .addHelpText("after", examples("flux backup", "flux backup create --json"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/backup.ts")).backupCreate(c, opts),
        opts.json === true,
      );
    });
  backup
    .command("list")
    .description("backups in .work/backups/: file, time, last event seq, size, schema version")
    .option("--json", "print as JSON")
    .addHelpText("after", examples("flux backup list", "flux backup list --json"))
    .action((opts: { json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/backup.ts")).backupList(c, opts),
        opts.json === true,
      );
    });
  backup
    .command("restore")
    .description(
      "replace .work/flux.db with a checked backup (the current one is backed up first; refused while the daemon runs)",
    )
    .argument("<file>", "a backup file, or its name in .work/backups/")
    .option("--yes", "restore without asking")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      examples(
        "flux backup list",
        "flux daemon stop && flux backup restore flux-20261205T183000Z-seq1234.db --yes",
      ),
    )
    .action((file: string, opts: { yes?: boolean; json?: boolean }) => {
      setResult(
        async (c) => (await import("../commands/backup.ts")).backupRestore(c, file, opts),
        opts.json === true,
      );
    });
}
