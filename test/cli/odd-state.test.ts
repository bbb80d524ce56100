/**
 * What the machine did is not a bug: a damaged or truncated database, a read-only `.work/`, an
 * over-long argument are reported with what is wrong and what to do — never "internal error".
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FLUX_BIN, testEnv } from "../kit/cli.ts";
import { fluxRepo } from "../kit/flux-repo.ts";

/** Ways a database file gets damaged, each applied to a working flux.db. */
const DAMAGE: Record<string, (file: string) => void> = {
  "text instead of a database": (file) => fs.writeFileSync(file, "not a database, only some text"),
  "a garbled header": (file) => {
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    fs.closeSync(fd);
  },
  "cut in half": (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)),
  "garbled pages": (file) => {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, "r+");
    for (let at = 4096; at < size; at += 4096)
      fs.writeSync(fd, Buffer.alloc(512, 0x5a), 0, 512, at);
    fs.closeSync(fd);
  },
};

describe("odd state", () => {
  for (const [name, damage] of Object.entries(DAMAGE)) {
    it(`says the database is damaged (${name}) and what to do`, async () => {
      await using repo = await fluxRepo();
      await repo.ok(["init", "doc/plans/PLAN-test.md"]);
      const db = path.join(repo.dir, ".work", "flux.db");
      // Fold the WAL in first, so the damage hits the only copy.
      for (const extra of ["-wal", "-shm"]) fs.rmSync(`${db}${extra}`, { force: true });
      damage(db);
      for (const args of [["status"], ["stage", "b", "skip", "--reason", "x"]]) {
        const result = await repo.run(args);
        expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(6);
        expect(result.stderr).toContain("DB_CORRUPT");
        expect(result.stderr).toContain("hint:");
        expect(result.stderr).not.toContain("internal error");
      }
    });
  }

  it("refuses to start over silently on a truncated (0-byte) database", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    await repo.ok(["stage", "b", "skip", "--reason", "not needed"]);
    fs.truncateSync(path.join(repo.dir, ".work", "flux.db"), 0);
    for (const extra of ["-wal", "-shm"])
      fs.rmSync(path.join(repo.dir, ".work", `flux.db${extra}`), { force: true });
    const refused = await repo.ok(["init", "doc/plans/PLAN-test.md"], 6);
    expect(refused.stderr).toContain("DB_CORRUPT");
    expect(refused.stderr).toContain("--force");
    const forced = await repo.ok(["init", "doc/plans/PLAN-test.md", "--force"]);
    expect(forced.stderr).toContain("starting over from the plan");
  });

  it("says a read-only .work/ is read-only", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const work = path.join(repo.dir, ".work");
    // Root ignores file modes: a read-only bind mount in a private mount namespace.
    const result = await runIn(repo.dir, [
      "unshare",
      "-m",
      "sh",
      "-c",
      'mount --bind -o ro "$1" "$1" && shift && exec "$@"',
      "sh",
      work,
      process.execPath,
      FLUX_BIN,
      "stage",
      "b",
      "skip",
      "--reason",
      "x",
    ]);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toMatch(/DB_READONLY|PERMISSION_DENIED/);
    expect(result.stderr).not.toContain("internal error");
  });

  it("says an over-long argument is too long", async () => {
    await using repo = await fluxRepo();
    const result = await repo.run(["init", `doc/${"x".repeat(5000)}.md`]);
    expect(result.stderr).not.toContain("internal error");
    expect([2, 5]).toContain(result.code);
  });
});

function runIn(
  cwd: string,
  argv: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [command = "", ...args] = argv;
    const child = spawn(command, args, { cwd, env: testEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
