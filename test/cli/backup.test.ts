/**
 * `flux backup`, `backup list` and `backup restore` through the real CLI (bin/flux.js runs
 * dist/: `npm run build` first): a backup, a skipped one, a restore that brings a stage back;
 * the daemon's backup at start, a backup beside it and a restore refused while it runs;
 * `[backup] keep` from .work/config.toml.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { BackupInfo } from "../../src/store/backup.ts";
import { listBackups } from "../../src/store/backup.ts";
import { fluxRepo } from "../kit/flux-repo.ts";
import type { FluxRepo } from "../kit/flux-repo.ts";

async function stateOf(repo: FluxRepo, id: string): Promise<string | undefined> {
  const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
    stages: { id: string; state: string }[];
  };
  return status.stages.find((s) => s.id === id)?.state;
}

async function list(repo: FluxRepo): Promise<BackupInfo[]> {
  return JSON.parse((await repo.ok(["backup", "list", "--json"])).stdout) as BackupInfo[];
}

/** Resolves once `dir` holds a backup (an inotify wake-up per change, 20 s at most). */
function firstBackup(dir: string): Promise<BackupInfo> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = listBackups(dir)[0];
      if (found === undefined) return;
      finish();
      resolve(found);
    };
    const watcher = fs.watch(dir, check);
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no backup appeared in ${dir}`));
    }, 20_000);
    function finish() {
      clearTimeout(timer);
      watcher.close();
    }
    check();
  });
}

describe("flux backup", () => {
  it("takes, skips, lists and restores backups with no daemon", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const taken = await repo.ok(["backup"]);
    expect(taken.stdout).toMatch(
      /^Backed up \.work\/flux\.db to \.work\/backups\/flux-\d{8}T\d{6}Z-seq\d+\.db \(seq \d+, \d+ KiB\)\.$/m,
    );
    expect((await repo.ok(["backup"])).stdout).toMatch(
      /^Nothing changed since .*: no new backup\.$/m,
    );
    const [first] = await list(repo);
    expect(first).toMatchObject({ name: expect.stringMatching(/^flux-.*\.db$/) as string });
    expect(fs.statSync(path.join(repo.dir, ".work/backups")).mode & 0o777).toBe(0o700);

    await repo.ok(["stage", "b", "block", "--reason", "after the backup"]);
    const second = JSON.parse((await repo.ok(["backup", "create", "--json"])).stdout) as {
      taken: boolean;
      backup: BackupInfo;
    };
    expect(second.taken).toBe(true);
    expect(second.backup.seq).toBeGreaterThan(first!.seq);
    const table = (await repo.ok(["backup", "list"])).stdout.split("\n");
    expect(table[0]).toMatch(/^BACKUP\s+TAKEN\s+SEQ\s+SIZE\s+SCHEMA$/);
    expect(table[1]).toContain(second.backup.name);
    expect(table[2]).toContain(first!.name);

    // No terminal to ask on: --yes is needed, and nothing changes without it.
    const asked = await repo.run(["backup", "restore", first!.name]);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain("error[DECISION_REQUIRED]");
    expect(await stateOf(repo, "b")).toBe("blocked");

    const restored = await repo.ok(["backup", "restore", first!.name, "--yes"]);
    expect(restored.stdout).toContain(
      `Restored .work/flux.db from .work/backups/${first!.name} (seq ${first!.seq}).`,
    );
    expect(restored.stdout).toMatch(
      /The database as it was \(seq \d+\) is in \.work\/backups\/flux-.*\.db: `flux backup restore flux-.*\.db` brings it back\./,
    );
    expect(await stateOf(repo, "b")).toBe("waiting");
    expect(repo.read(".work/stages/b.md")).not.toContain("blocked");
    await repo.ok(["validate"]);
    expect(await list(repo)).toHaveLength(3);

    const missing = await repo.run(["backup", "restore", "flux-nope.db", "--yes"]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain("error[BACKUP_NOT_FOUND]");
  });

  it("shows examples in its help", async () => {
    await using repo = await fluxRepo();
    for (const args of [["backup"], ["backup", "list"], ["backup", "restore"]]) {
      const help = await repo.ok([...args, "--help"]);
      expect(help.stdout, args.join(" ")).toContain("Examples:\n  $ flux backup");
    }
  });

  it("backs up beside a running daemon, which took one at start; restore is refused while it runs", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const backups = path.join(repo.dir, ".work/backups");
    await repo.ok(["daemon", "start", "-d"]);
    const atStart = await firstBackup(backups);

    const refused = await repo.run(["backup", "restore", atStart.name, "--yes"]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("error[BACKUP_DAEMON_RUNNING]");
    expect(refused.stderr).toContain("hint: `flux daemon stop`");

    // A change through the daemon, and a backup of it taken beside the daemon's writes.
    await repo.ok(["pause"]);
    expect((await repo.ok(["backup"])).stdout).toMatch(/^Backed up /m);
    expect((await list(repo))[0]!.seq).toBeGreaterThan(atStart.seq);

    await repo.ok(["daemon", "stop"]);
    await repo.ok(["backup", "restore", atStart.name, "--yes"]);
    expect(JSON.parse((await repo.ok(["status", "--json"])).stdout)).toMatchObject({
      flow: "running",
    });
  });

  it("keeps [backup] keep backups, and names a bad setting", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const config = path.join(repo.dir, ".work/config.toml");
    fs.appendFileSync(config, "\n[backup]\nkeep = 2\n");
    for (const action of ["block", "reset", "block"]) {
      if (action === "block") await repo.ok(["stage", "b", action, "--reason", "x"]);
      else await repo.ok(["stage", "b", action]);
      await repo.ok(["backup"]);
    }
    const kept = await list(repo);
    expect(kept).toHaveLength(2);
    expect(kept[0]!.seq).toBeGreaterThan(kept[1]!.seq);

    fs.appendFileSync(config, "interval = 5\n");
    const bad = await repo.run(["backup"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("backup.interval");
    expect(bad.stderr).toContain("error[CONFIG_INVALID]");
  });
});
