/**
 * Ordinary mistakes get a clear answer before anything starts or is written: a session id that
 * is not one (no daemon is started to find out), a plan file given to `flux validate`, and
 * `flux init` in a repository without a commit.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { insertSession, markSessionEnded } from "../../src/store/sessions.ts";
import { Store } from "../../src/store/store.ts";
import { flux } from "../kit/cli.ts";
import type { FluxRepo } from "../kit/flux-repo.ts";
import { fluxRepo } from "../kit/flux-repo.ts";
import { planMarkdown } from "../kit/plans.ts";
import { tempDir, tempRepo } from "../kit/temp-repo.ts";

/** Records a session of `stage` in the repository's database, as the engine would. */
function recordSession(repo: FluxRepo, id: string, stage: string, ended: boolean): void {
  using store = new Store(path.join(repo.dir, ".work/flux.db"));
  const plan = store.activePlan();
  if (plan === undefined) throw new Error("no active plan");
  store.write((emit) => {
    insertSession(store, emit, {
      id,
      planId: plan.id,
      stageId: stage,
      agent: "command",
      backend: "process",
      name: `flux-${stage}`,
      tokenHash: `hash-${id}`,
      purpose: "start",
    });
    if (ended)
      markSessionEnded(store, emit, id, { status: "exited", exitCode: 0, exitSignal: null });
  });
}

/** Nothing started a daemon: it writes its log and `.work/daemon.json` first thing. */
function expectNoDaemon(repo: FluxRepo): void {
  expect(fs.existsSync(path.join(repo.dir, ".work/daemon.json"))).toBe(false);
  expect(fs.existsSync(path.join(repo.dir, ".work/logs/daemon.log"))).toBe(false);
}

describe("flux sessions kill", () => {
  it("says an unknown session is not found, without starting a daemon", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const nope = await repo.ok(["sessions", "kill", "nope"], 5);
    expectNoDaemon(repo);
    expect(nope.stderr).toContain('error[SESSION_NOT_FOUND]: no session "nope"');
    expect(nope.stderr).toContain("ses_");
    expect(nope.stderr).toContain("`flux sessions list`");
    const unknown = await repo.ok(["sessions", "kill", "ses_000000000aaaaaaaaaa"], 5);
    expect(unknown.stderr).toContain(
      'error[SESSION_NOT_FOUND]: no session "ses_000000000aaaaaaaaaa"',
    );
    expectNoDaemon(repo);
  });

  it("refuses a session that has already ended", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    recordSession(repo, "ses_000000001bbbbbbbbbb", "a", true);
    const ended = await repo.run(["sessions", "kill", "ses_000000001bbbbbbbbbb"]);
    expectNoDaemon(repo);
    expect(ended.code, ended.stderr).toBe(4);
    expect(ended.stderr).toContain(
      "error[SESSION_ENDED]: ses_000000001bbbbbbbbbb (stage a) has already ended (exited)",
    );
    expect(ended.stderr).toContain("hint:");
    expectNoDaemon(repo);
  });

  it("names the session of a stage given in place of a session id", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    recordSession(repo, "ses_000000002cccccccccc", "a", false);
    const result = await repo.ok(["sessions", "kill", "a"], 5);
    expect(result.stderr).toContain('error[SESSION_NOT_FOUND]: no session "a"');
    expect(result.stderr).toContain("`flux sessions kill ses_000000002cccccccccc`");
    expectNoDaemon(repo);
  });
});

describe("flux validate <plan>", () => {
  it("checks a plan file alone, where no .work/ exists, with file:line, code and hint", async () => {
    const dir = tempDir();
    const write = (name: string, stages: string) =>
      fs.writeFileSync(path.join(dir, name), planMarkdown(stages));
    write("PLAN-ok.md", `    - id: a\n    - id: b\n      dependencies: [a]\n`);
    write("PLAN-warn.md", `    - id: a\n      budget:\n        usd: 5\n`);
    write("PLAN-bad.md", `    - id: a\n      dependencies: [a]\n`);

    const ok = await flux(["validate", "PLAN-ok.md"], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("PLAN-ok.md is valid: 2 stages.\n");
    expect(ok.stderr).toBe("");

    const warn = await flux(["validate", "PLAN-warn.md"], { cwd: dir });
    expect(warn.code, warn.stderr).toBe(0);
    expect(warn.stdout).toBe("PLAN-warn.md is valid: 1 stage, 1 warning.\n");
    expect(warn.stderr).toMatch(/^PLAN-warn\.md:\d+:\d+: warning\[PLAN_INACTIVE_FIELD\]/);

    const bad = await flux(["validate", "PLAN-bad.md"], { cwd: dir });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^PLAN-bad\.md:12:\d+: error\[PLAN_SELF_DEPENDENCY\]: /);
    expect(bad.stderr).toMatch(/\n {2}hint: /);
    expect(bad.stderr).toContain("error[PLAN_INVALID]: PLAN-bad.md has 1 error");

    const json = await flux(["validate", "PLAN-bad.md", "--json"], { cwd: dir });
    expect(json.code).toBe(3);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      file: "PLAN-bad.md",
      errors: 1,
      warnings: 0,
      diagnostics: [{ code: "PLAN_SELF_DEPENDENCY", line: 12, severity: "error" }],
    });
    const valid = await flux(["validate", "PLAN-ok.md", "--json"], { cwd: dir });
    expect(JSON.parse(valid.stdout)).toMatchObject({ ok: true, stages: 2, diagnostics: [] });

    fs.mkdirSync(path.join(dir, "sub"));
    const fromSub = await flux(["validate", "../PLAN-bad.md"], { cwd: path.join(dir, "sub") });
    expect(fromSub.stderr).toMatch(/^\.\.\/PLAN-bad\.md:12:\d+: error/);
    expect(fs.existsSync(path.join(dir, ".work"))).toBe(false);
  });

  it("says a missing plan file is not found, and refuses --fix with one", async () => {
    const dir = tempDir();
    const missing = await flux(["validate", "PLAN-none.md"], { cwd: dir });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain("error[PLAN_NOT_FOUND]: plan file not found: PLAN-none.md");
    fs.writeFileSync(path.join(dir, "PLAN.md"), planMarkdown(`    - id: a\n`));
    const fix = await flux(["validate", "PLAN.md", "--fix"], { cwd: dir });
    expect(fix.code).toBe(2);
    expect(fix.stderr).toContain("error[USAGE]: flux validate: --fix");
  });

  it("still checks the repository without an argument", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    expect((await repo.ok(["validate"])).stdout).toContain("✓ database");
    expect((await repo.ok(["validate", "doc/plans/PLAN-test.md"])).stdout).toBe(
      "doc/plans/PLAN-test.md is valid: 4 stages.\n",
    );
  });
});

describe("flux init in a repository without a commit", () => {
  it("asks for a first commit and writes nothing", async () => {
    await using repo = await tempRepo({ commit: false });
    repo.write("doc/plans/PLAN-test.md", planMarkdown(`    - id: a\n`));
    const exclude = repo.read(".git/info/exclude");
    const result = await flux(["init", "doc/plans/PLAN-test.md"], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain("error[NO_COMMITS]: ");
    expect(result.stderr).toContain("git commit --allow-empty -m init");
    expect(fs.existsSync(path.join(repo.dir, ".work"))).toBe(false);
    expect(repo.read(".git/info/exclude")).toBe(exclude);
    const json = await flux(["init", "doc/plans/PLAN-test.md", "--json"], { cwd: repo.dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "NO_COMMITS" } });

    repo.git("commit", "-q", "--allow-empty", "-m", "init");
    await flux(["init", "doc/plans/PLAN-test.md"], { cwd: repo.dir }).then((r) =>
      expect(r.code, r.stderr).toBe(0),
    );
  });
});
