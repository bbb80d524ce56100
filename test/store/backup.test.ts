/**
 * Online backups and restore over real SQLite files: a consistent copy while other processes
 * write, skipped when nothing changed, retention, the checks a backup passes before it is
 * restored, and restores that bring a stage back — also over a database a killed process left
 * with its -wal, and over a damaged one. Then the daemon's schedule.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { FluxError } from "../../src/core/errors.ts";
import { startBackups } from "../../src/server/backups.ts";
import {
  backupName,
  checkBackup,
  knownSchemaVersion,
  listBackups,
  takeBackup,
} from "../../src/store/backup.ts";
import type { WorkPaths } from "../../src/store/paths.ts";
import { ensureWorkDir, workPaths } from "../../src/store/paths.ts";
import { renderAll, syncProjections } from "../../src/store/projections/sync.ts";
import { restoreBackup } from "../../src/store/restore.ts";
import { Store } from "../../src/store/store.ts";
import { planOf } from "../kit/plans.ts";
import { tempDir } from "../kit/temp-repo.ts";

const writer = path.resolve(import.meta.dirname, "../kit/writer.ts");
const srcDir = path.resolve(import.meta.dirname, "../../src");
/** Block/reset pairs each writer process commits. */
const ROUNDS = 10;

/** A store with a plan of `ids` (and a stage depending on all of them), projections written. */
function storeWith(ids: string[] = ["a", "b"]): { paths: WorkPaths; store: Store } {
  const paths = workPaths(tempDir());
  ensureWorkDir(paths);
  const store = new Store(paths.db);
  store.applyPlan({
    plan: planOf([...ids.map((id) => ({ id })), { id: "join", dependencies: ids }]),
    file: "plan.md",
    contentHash: "h",
    baseBranch: "main",
  });
  syncProjections(store, paths);
  return { paths, store };
}

/** A clock one second further on at every call: each backup gets its own name. */
function ticking(start = Date.UTC(2026, 11, 5, 18, 30, 0)): () => Date {
  let at = start;
  return () => new Date((at += 1000));
}

function stateOf(store: Store, id: string): string | undefined {
  const plan = store.activePlan();
  return plan === undefined ? undefined : store.stage(plan.id, id)?.state;
}

function rejection(work: () => unknown): FluxError {
  try {
    work();
  } catch (error) {
    if (error instanceof FluxError) return error;
    throw error;
  }
  throw new Error("expected a FluxError");
}

/** Runs a node process to its end: exit 0, or SIGKILL when `killed` (it kills itself). */
function run(args: string[], ends: "exit 0" | "killed" = "exit 0"): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      (ends === "killed" ? signal === "SIGKILL" : code === 0)
        ? resolve()
        : reject(new Error(`node exited ${code ?? signal}: ${stderr}`)),
    );
  });
}

describe("takeBackup", () => {
  it("copies one consistent state while other processes write", { timeout: 60_000 }, async () => {
    const ids = ["s0", "s1", "s2"];
    const { paths, store } = storeWith(ids);
    using _ = store;
    const first = store.lastSeq();
    let writing = true;
    const writers = Promise.all(
      ids.map((id) => run(["--import", "tsx", writer, paths.root, id, String(ROUNDS)])),
    ).finally(() => (writing = false));
    const clock = ticking();
    const taken: string[] = [];
    // A backup after each change the writers project (execution-graph.toml carries the seq).
    let changed: () => void = () => undefined;
    const watcher = fs.watch(paths.work, () => changed());
    try {
      while (writing) {
        await Promise.race([writers, new Promise<void>((resolve) => (changed = resolve))]);
        const result = await takeBackup(store.db, { dir: paths.backupsDir, clock });
        if (result.taken) taken.push(result.backup.file);
      }
    } finally {
      watcher.close();
    }
    await writers;
    const last = store.lastSeq();
    expect(last).toBe(first + ids.length * 2 * ROUNDS);

    const during = taken.filter((file) => {
      const seq = checkBackup(file).seq;
      return seq > first && seq < last;
    });
    expect(during.length).toBeGreaterThan(0);
    for (const file of taken) {
      const checked = checkBackup(file);
      expect(path.basename(file)).toMatch(new RegExp(`-seq${checked.seq}\\.db$`));
      // Each stage's row agrees with its last logged transition: no write was cut in half.
      using copy = new Store(file);
      const plan = copy.activePlan()!;
      for (const stage of copy.stages(plan.id))
        expect(stage.state).toBe(copy.loggedState(plan.id, stage.id) ?? "waiting");
    }
  });

  it("skips when nothing changed, keeps the newest N, files 0600 in a 0700 directory", async () => {
    const { paths, store } = storeWith();
    using _ = store;
    const plan = store.activePlan()!;
    const clock = ticking();
    const dir = paths.backupsDir;

    const first = await takeBackup(store.db, { dir, keep: 2, clock });
    if (!first.taken) throw new Error("the first backup was skipped");
    expect(first.backup).toMatchObject({
      name: `flux-20261205T183001Z-seq${store.lastSeq()}.db`,
      takenAt: "2026-12-05T18:30:01Z",
      seq: store.lastSeq(),
      schemaVersion: knownSchemaVersion(),
    });
    expect(first.backup.size).toBeGreaterThan(0);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(first.backup.file).mode & 0o777).toBe(0o600);
    // A single file: it opens read-only without -wal or -shm beside it.
    expect(fs.readdirSync(dir)).toEqual([first.backup.name]);

    const again = await takeBackup(store.db, { dir, keep: 2, clock });
    expect(again).toEqual({ taken: false, newest: first.backup });

    store.transition(plan.id, "a", "block", { reason: "one", actor: "test" });
    const second = await takeBackup(store.db, { dir, keep: 2, clock });
    store.transition(plan.id, "a", "reset", { actor: "test" });
    // A temp file whose writer died mid-copy goes with the next pruning.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    fs.writeFileSync(path.join(dir, `.flux-backup-${dead}-abc123.tmp`), "half");
    const third = await takeBackup(store.db, { dir, keep: 2, clock });
    expect(third.taken && third.removed).toEqual([first.backup.file]);
    expect(listBackups(dir).map((b) => b.seq)).toEqual([
      store.lastSeq(),
      second.taken ? second.backup.seq : -1,
    ]);
    expect(fs.readdirSync(dir)).toHaveLength(2);
  });

  it("never overwrites a backup: a forced one of the same seq in the same second gets -2", async () => {
    const { paths, store } = storeWith();
    using _ = store;
    const dir = paths.backupsDir;
    const at = new Date("2026-12-05T18:30:00.500Z");
    const first = await takeBackup(store.db, { dir, clock: () => at });
    const forced = await takeBackup(store.db, { dir, clock: () => at, force: true });
    if (!first.taken || !forced.taken) throw new Error("a backup was skipped");
    const name = `flux-20261205T183000Z-seq${store.lastSeq()}`;
    expect(first.backup).toMatchObject({ name: `${name}.db`, copy: 1 });
    expect(forced.backup).toMatchObject({ name: `${name}-2.db`, copy: 2 });
    expect(listBackups(dir).map((b) => b.name)).toEqual([`${name}-2.db`, `${name}.db`]);
    expect(fs.readdirSync(dir).sort()).toEqual([`${name}-2.db`, `${name}.db`]);
  });

  it("names backups by time and seq", () => {
    expect(backupName(new Date("2026-12-05T18:30:00.123Z"), 1234)).toBe(
      "flux-20261205T183000Z-seq1234.db",
    );
  });
});

describe("checkBackup", () => {
  it("refuses a missing file, a damaged one, another database and a newer schema", async () => {
    const { paths, store } = storeWith();
    const result = await takeBackup(store.db, { dir: paths.backupsDir });
    store.close();
    if (!result.taken) throw new Error("skipped");
    const good = result.backup.file;
    expect(checkBackup(good)).toMatchObject({ seq: result.backup.seq });
    const dir = tempDir();

    const missing = rejection(() => checkBackup(path.join(dir, "nope.db")));
    expect([missing.code, missing.exitCode]).toEqual(["BACKUP_NOT_FOUND", 5]);

    const text = path.join(dir, "text.db");
    fs.writeFileSync(text, "not a database at all, but long enough to have a header ".repeat(4));
    expect(rejection(() => checkBackup(text)).code).toBe("BACKUP_CORRUPT");

    // Pages past the first overwritten: the header reads, the tables do not.
    const damaged = path.join(dir, "damaged.db");
    const bytes = fs.readFileSync(good);
    bytes.fill(0xa5, 4096, Math.min(bytes.length, 4096 * 6));
    fs.writeFileSync(damaged, bytes);
    const corrupt = rejection(() => checkBackup(damaged));
    expect([corrupt.code, corrupt.exitCode]).toEqual(["BACKUP_CORRUPT", 6]);
    expect(corrupt.hint).toContain("flux backup list");

    const other = path.join(dir, "other.db");
    const foreign = new Database(other);
    foreign.exec("CREATE TABLE notes (text TEXT)");
    foreign.close();
    const notFlux = rejection(() => checkBackup(other));
    expect(notFlux.code).toBe("BACKUP_NOT_FLUX");
    expect(notFlux.message).toContain("no meta, plans, stages, edges, sessions, events table");

    const newer = path.join(dir, "newer.db");
    fs.copyFileSync(good, newer);
    const db = new Database(newer);
    db.pragma(`user_version = ${knownSchemaVersion() + 1}`);
    db.close();
    const tooNew = rejection(() => checkBackup(newer));
    expect([tooNew.code, tooNew.exitCode]).toEqual(["BACKUP_SCHEMA_NEWER", 6]);
    expect(tooNew.data).toMatchObject({ version: knownSchemaVersion() + 1 });
  });
});

describe("restoreBackup", () => {
  it("brings back the backed-up state, saving the current one first", async () => {
    const { paths, store } = storeWith();
    const plan = store.activePlan()!;
    const clock = ticking();
    const backup = await takeBackup(store.db, { dir: paths.backupsDir, clock });
    if (!backup.taken) throw new Error("skipped");
    store.transition(plan.id, "a", "block", { reason: "after the backup", actor: "test" });
    syncProjections(store, paths);
    expect(fs.readFileSync(paths.stageFile("a"), "utf8")).toContain("blocked");
    const before = store.lastSeq();

    // Still open here: replacing the file under a connection is refused.
    await expect(restoreBackup(paths, backup.backup.file, { busyTimeoutMs: 10 })).rejects.toThrow(
      expect.objectContaining({ code: "BACKUP_DB_IN_USE", exitCode: 4 }),
    );
    store.close();
    // Projections of things the restored store does not know.
    fs.writeFileSync(paths.sessionFile("ses_ghost"), "a session of the future\n");
    fs.mkdirSync(paths.worktreesDir, { recursive: true });
    fs.writeFileSync(paths.worktreeFile("ghost"), "path = 'x'\n");

    const result = await restoreBackup(paths, backup.backup.file, { clock });
    expect(result.restored.seq).toBe(backup.backup.seq);
    expect(result.removed).toBe(2);
    expect(fs.existsSync(paths.sessionFile("ses_ghost"))).toBe(false);
    expect(fs.existsSync(paths.worktreeFile("ghost"))).toBe(false);
    {
      using restored = new Store(paths.db);
      expect(stateOf(restored, "a")).toBe("ready");
      expect(restored.lastSeq()).toBe(backup.backup.seq);
      // The projections are the restored store's, byte for byte.
      for (const [file, content] of renderAll(restored, paths).files)
        expect(fs.readFileSync(file, "utf8")).toBe(content);
      expect(fs.readFileSync(paths.stageFile("a"), "utf8")).not.toContain("blocked");
      // Seqs go on past the replaced database's: no seq names two states.
      const next = restored.transition(plan.id, "b", "block", { reason: "x", actor: "test" });
      expect(next.events[0]!.seq).toBeGreaterThan(before);
    }
    // Nothing already done is lost: the state before the restore is a backup of its own.
    expect(result.saved).toMatchObject({ seq: before, damaged: false });
    using saved = new Store(result.saved!.file);
    expect(stateOf(saved, "a")).toBe("blocked");
  });

  it("replaces a database a killed process left with its -wal", async () => {
    const { paths, store } = storeWith();
    const backup = await takeBackup(store.db, { dir: paths.backupsDir });
    store.close();
    if (!backup.taken) throw new Error("skipped");
    // A writer killed after its commit, before any checkpoint: its change is only in the -wal.
    const code = `
      import { Store } from ${JSON.stringify(path.join(srcDir, "store/store.ts"))};
      const store = new Store(${JSON.stringify(paths.db)});
      store.db.pragma("wal_autocheckpoint = 0");
      const plan = store.activePlan();
      store.transition(plan.id, "a", "block", { reason: "killed", actor: "test" });
      process.kill(process.pid, "SIGKILL");`;
    await run(["--import", "tsx", "--input-type=module", "-e", code], "killed");
    expect(fs.statSync(`${paths.db}-wal`).size).toBeGreaterThan(0);

    const result = await restoreBackup(paths, backup.backup.file);
    // The killed writer's change is in the copy taken before the restore...
    using saved = new Store(result.saved!.file);
    expect(stateOf(saved, "a")).toBe("blocked");
    // ...and nothing of it leaks into the restored database.
    using restored = new Store(paths.db);
    expect(stateOf(restored, "a")).toBe("ready");
    expect(restored.db.pragma("integrity_check", { simple: true })).toBe("ok");
  });

  it("replaces a damaged database, keeping a byte-for-byte copy of it", async () => {
    const { paths, store } = storeWith();
    const backup = await takeBackup(store.db, { dir: paths.backupsDir });
    store.close();
    if (!backup.taken) throw new Error("skipped");
    const garbage = Buffer.alloc(8192, 0x5a);
    fs.writeFileSync(paths.db, garbage);

    const result = await restoreBackup(paths, backup.backup.file, { clock: ticking() });
    expect(result.saved).toMatchObject({ damaged: true });
    expect(path.basename(result.saved!.file)).toBe("flux-20261205T183001Z-damaged.db");
    expect(fs.readFileSync(result.saved!.file)).toEqual(garbage);
    using restored = new Store(paths.db);
    expect(stateOf(restored, "a")).toBe("ready");
  });
});

describe("the daemon's schedule", () => {
  it("backs up at start and every interval, skipping when nothing changed", async () => {
    const { paths, store } = storeWith();
    using _ = store;
    const plan = store.activePlan()!;
    const lines: string[] = [];
    let heard: (() => void) | undefined;
    const nextBackup = () => new Promise<void>((resolve) => (heard = resolve));
    let waiting = nextBackup();
    const schedule = startBackups({
      db: store.db,
      dir: paths.backupsDir,
      intervalMs: 20,
      keep: 5,
      clock: ticking(),
      log: (line) => {
        lines.push(line);
        heard?.();
      },
    });
    await waiting;
    waiting = nextBackup();
    store.transition(plan.id, "a", "block", { reason: "x", actor: "test" });
    await waiting;
    await schedule.stop();
    expect(lines).toEqual([
      expect.stringMatching(/^backup flux-\d{8}T\d{6}Z-seq\d+\.db \(seq \d+\)$/),
      expect.stringMatching(/^backup flux-.*\.db \(seq \d+\)$/),
    ]);
    expect(listBackups(paths.backupsDir).map((b) => b.seq)).toEqual([
      store.lastSeq(),
      store.lastSeq() - 1,
    ]);
  });

  it("takes none with an interval of 0", async () => {
    const { paths, store } = storeWith();
    using _ = store;
    const schedule = startBackups({
      db: store.db,
      dir: paths.backupsDir,
      intervalMs: 0,
      keep: 5,
      log: () => undefined,
    });
    await schedule.stop();
    expect(fs.existsSync(paths.backupsDir)).toBe(false);
  });
});
