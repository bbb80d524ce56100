/** `[notify] command` with the real daemon: set in the config, run for a failed stage, resent after a SIGKILL. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { NotifyPayload } from "../../src/core/notify.ts";
import { shellQuote } from "../../src/core/shell.ts";
import { engineRepo } from "../kit/engine-repo.ts";

describe("notifications from the daemon", () => {
  it("runs the configured command for a failed stage, and a daemon killed mid-command sends it again", async () => {
    await using repo = await engineRepo({
      agents: { broken: "echo broken\nexit 1" },
      stagesYaml: `    - id: broken\n      command: "sh agents/broken.sh"\n      max_retries: 0\n`,
    });
    // The first run records the event, then hangs (its pid in `held`) until the test kills it.
    const script = path.join(repo.scratch, "notify.sh");
    fs.writeFileSync(
      script,
      [
        'cat >> "$SCRATCH/notes"',
        'echo "$FLUX_NOTIFY_KIND $FLUX_NOTIFY_STAGE: $FLUX_NOTIFY_COMMAND"',
        'if [ ! -e "$SCRATCH/held" ]; then',
        '  echo $$ > "$SCRATCH/held.tmp" && mv "$SCRATCH/held.tmp" "$SCRATCH/held"',
        "  exec sleep 600",
        "fi",
        "",
      ].join("\n"),
    );
    fs.appendFileSync(
      path.join(repo.dir, ".work", "config.toml"),
      `\n[notify]\ncommand = ${JSON.stringify(`sh ${shellQuote(script)}`)}\ntimeout = "10m"\n`,
    );

    await repo.ok(["run"], 4);
    expect(repo.state("broken")).toBe("failed");
    const held = path.join(repo.scratch, "held");
    await fileAppears(held);
    const daemon = JSON.parse(repo.read(".work/daemon.json")) as { pid: number };
    process.kill(daemon.pid, "SIGKILL");
    // The command's process group (its own, the notifier's `sh -c` leads it) outlives the daemon.
    process.kill(-groupOf(Number(fs.readFileSync(held, "utf8").trim())), "SIGKILL");

    await repo.ok(["daemon", "start", "-d"]);
    const notes = path.join(repo.scratch, "notes");
    const [first, again] = (await linesOf(notes, 2)).map((l) => JSON.parse(l) as NotifyPayload);
    expect(first).toMatchObject({
      version: 1,
      kind: "failed",
      stage: "broken",
      reason: expect.stringMatching(/retries exhausted/) as string,
      command: "flux resume broken",
      plan: { file: "doc/plans/PLAN-e2e.md", title: "E2E plan" },
      event: { type: "stage.transitioned", data: { to: "failed", trigger: "retries_exhausted" } },
    });
    expect(again).toEqual(first);

    await repo.ok(["daemon", "stop"]);
    const log = fs.readFileSync(path.join(repo.dir, ".work", "logs", "daemon.log"), "utf8");
    const seq = first?.event.seq ?? 0;
    expect(log).toContain(
      `notify: failed broken (event ${seq}): failed broken: flux resume broken`,
    );
    expect(log).toContain(`notify: failed broken (event ${seq}): sent`);
    expect(fs.readFileSync(notes, "utf8").split("\n").filter(Boolean)).toHaveLength(2);
  });
});

/** Resolves once `file` exists: woken by its directory's changes, not by polling. */
function fileAppears(file: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = fs.watch(path.dirname(file), () => check());
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`${file} did not appear`));
    }, timeoutMs);
    const check = () => {
      if (!fs.existsSync(file)) return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    };
    check();
  });
}

/** Resolves with the file's lines once it has `count` of them, re-read on each change. */
function linesOf(file: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const read = () =>
    fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  return new Promise((resolve, reject) => {
    const watcher = fs.watch(path.dirname(file), () => check());
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`${file}: ${read().length} of ${count} lines`));
    }, timeoutMs);
    const check = () => {
      const lines = read();
      if (lines.length < count) return;
      clearTimeout(timer);
      watcher.close();
      resolve(lines);
    };
    check();
  });
}

/** The process group of a live process (field 5 of /proc/<pid>/stat). */
function groupOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}
