/**
 * What `flux status <stage-id>` shows, built from a real store in a temp directory whose rows
 * were written the way the engine writes them: the stage (state, reason, agents, counters,
 * dependencies), its sessions with their context, tokens and cost, the latest acceptance run's
 * evidence, its handoffs, the last lines of its latest session's output, the warnings slot;
 * and the command in process (text, JSON, an unknown stage).
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { readStageDetail } from "../../src/cli/commands/stage-status.ts";
import { renderStageDetail } from "../../src/cli/render/stage-detail.ts";
import type { StageDetail } from "../../src/cli/render/stage-detail.ts";
import type { CheckResult } from "../../src/core/acceptance.ts";
import { recordAcceptance } from "../../src/store/acceptance.ts";
import { insertHandoff } from "../../src/store/handoffs.ts";
import { workPaths } from "../../src/store/paths.ts";
import { recordTelemetry, recordWarning } from "../../src/store/session-records.ts";
import { Store } from "../../src/store/store.ts";
import { LEVEL_TOKENS, writeContextRows } from "../kit/context-rows.ts";
import { planOf } from "../kit/plans.ts";
import { RunnerLog, endSession } from "../kit/session-log.ts";
import { tempDir } from "../kit/temp-repo.ts";

let root: string;
let store: Store;
let planId: number;

beforeEach(() => {
  root = tempDir();
  fs.mkdirSync(path.join(root, ".work"));
  store = new Store(path.join(root, ".work", "flux.db"));
  ({ planId } = store.applyPlan({
    plan: planOf([
      { id: "db", name: "The database" },
      { id: "api", name: "The API", dependencies: ["db"], agent: "claude", max_retries: 3 },
      { id: "web", dependencies: ["api"] },
    ]),
    file: "doc/plans/PLAN-test.md",
    contentHash: "hash",
    baseBranch: "main",
  }));
});
afterEach(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const work = () => path.join(root, ".work");

function check(over: Partial<CheckResult> & { command: string }): CheckResult {
  return {
    exitCode: 0,
    signal: null,
    timedOut: false,
    durationMs: 1200,
    outputTail: "",
    outputTruncated: false,
    passed: true,
    skipped: false,
    ...over,
  };
}

/** Two sessions of api (the first crashed), an acceptance run, two handoffs, a log. */
function seed(): void {
  writeContextRows(store, planId, [
    { id: "ses_first", stage: "api", tokens: LEVEL_TOKENS.red, ended: true },
    { id: "ses_second", stage: "api", tokens: LEVEL_TOKENS.green },
  ]);
  store.write((emit) =>
    recordTelemetry(store, emit, "ses_second", {
      inputTokens: 2000,
      cacheReadTokens: 40_000,
      outputTokens: 900,
      contextTokens: LEVEL_TOKENS.green,
      costUsd: 0.25,
      result: "error",
      errorClass: "crash",
    }),
  );
  store.write((emit) => {
    recordAcceptance(store, emit, planId, {
      stageId: "api",
      sessionId: "ses_first",
      trigger: "request",
      commit: "0123456789abcdef0123456789abcdef01234567",
      passed: true,
      durationMs: 900,
      checks: [check({ command: "npm test" })],
      startedAt: "2026-12-05T11:00:00.000Z",
    });
    recordAcceptance(store, emit, planId, {
      stageId: "api",
      sessionId: "ses_second",
      trigger: "exit",
      commit: "89abcdef0123456789abcdef0123456789abcdef",
      passed: false,
      durationMs: 4200,
      checks: [
        check({ command: "npm test", durationMs: 3000 }),
        check({
          command: "npm run lint",
          exitCode: 1,
          passed: false,
          reason: "exit 1, expected 0",
          outputTail: "lint: checking\nsrc/a.ts:3 unused variable x\n",
        }),
        check({ command: "npm run e2e", exitCode: null, passed: false, skipped: true }),
      ],
      startedAt: "2026-12-05T12:00:00.000Z",
    });
    for (const author of ["agent", "flux"] as const)
      insertHandoff(store, emit, {
        planId,
        stageId: "api",
        sessionId: author === "agent" ? "ses_first" : null,
        author,
        reason: author === "agent" ? "context" : "limit",
        handoff: {
          summary: `${author}: routes done.\nMore detail.`,
          completed: [],
          remaining: [{ task: "tests", refs: ["src/api.ts:1"] }],
          decisions: [],
          questions: [],
        },
        facts: { commits: [], diffStat: "", uncommittedFiles: [] },
      });
  });
  store.transition(planId, "db", "session_started", { actor: "flux" });
  const log = new RunnerLog(work(), "ses_second").start();
  for (let i = 1; i <= 30; i++) log.out(`step ${i}\n`);
}

describe("flux status <stage-id>: the detail", () => {
  it("holds the stage, its sessions, the latest acceptance run, handoffs, output, warnings", () => {
    seed();
    const d = readStageDetail(workPaths(root), "api");
    expect(d).toMatchObject({
      id: "api",
      name: "The API",
      state: "waiting",
      agent: "claude",
      lastAgent: "claude",
      parkedUntil: null,
      retries: 0,
      maxRetries: 3,
      dependencies: ["db"],
      dependencyStates: [{ id: "db", state: "running" }],
      waitingOn: [{ id: "db", state: "running" }],
      dependents: ["web"],
      warnings: [],
    });
    expect(d.sessions.map((s) => [s.number, s.id, s.status, s.context?.percent])).toEqual([
      [1, "ses_first", "exited", 80],
      [2, "ses_second", "running", 45],
    ]);
    expect(d.acceptance).toMatchObject({
      passed: false,
      trigger: "exit",
      runs: 2,
      commit: "89abcdef0123456789abcdef0123456789abcdef",
    });
    expect(d.acceptance?.checks.map((c) => [c.command, c.passed, c.skipped])).toEqual([
      ["npm test", true, false],
      ["npm run lint", false, false],
      ["npm run e2e", false, true],
    ]);
    expect(d.handoffs).toEqual([
      expect.objectContaining({
        number: 1,
        author: "agent",
        reason: "context",
        summary: "agent: routes done.",
        file: ".work/handoffs/api-handoff-001.md",
      }),
      expect.objectContaining({ number: 2, author: "flux", reason: "limit", sessionId: null }),
    ]);
    expect(d.output?.session).toBe("ses_second");
    expect(d.output?.lines.map((l) => l.text)).toEqual(
      Array.from({ length: 15 }, (_, i) => `step ${16 + i}`),
    );
  });

  it("renders it as text", () => {
    seed();
    const text = renderStageDetail(readStageDetail(workPaths(root), "api"), false);
    const lines = text.split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "api  waiting  The API",
      "  agent: claude",
      "  retries 0 of 3 · fix attempts 0 of 5 · context: warn 60% · handoff 75% · hard 90%",
      "  depends on: db (running) · needed by: web",
    ]);
    expect(text).toMatch(
      /^ {3}1 {2}ses_first {17}exited {3}start {4}claude {4}context: 80% · \d+(\.\d)?(s| ms|m \d\ds) \(code 0\)$/m,
    );
    expect(text).toMatch(
      /^ {3}2 {2}ses_second {16}running {2}start {4}claude {4}context: 45% · 42k in \/ 900 out · \$0\.2500 · error: crash · running for .+$/m,
    );
    expect(text).toContain(
      [
        "Acceptance failed on 89abcdef · exit · 2026-12-05 12:00 UTC · 4.2s · run 2 of 2",
        "  ✓ npm test  exit 0 · 3.0s",
        "  ✗ npm run lint  exit 1 · 1.2s",
        "      exit 1, expected 0",
        "      lint: checking",
        "      src/a.ts:3 unused variable x",
        "  – npm run e2e  skipped",
      ].join("\n"),
    );
    expect(text).toMatch(
      /^Handoffs \(2\)\n {2}001 {2}\S+ \S+ UTC {2}by the agent \(context\), ses_first: agent: routes done\.\n {2}002 .* by Flux \(limit\): flux: routes done\.$/m,
    );
    expect(text).toContain(
      "Last output of ses_second (`flux logs api` for all of it, -f to follow)\n  step 16\n",
    );
    expect(text.trimEnd().endsWith("  step 30")).toBe(true);
    expect(text).not.toContain("\u001b[");
    expect(text).not.toContain("warning");
  });

  it("a stage with nothing yet; warnings show at the top", () => {
    const d = readStageDetail(workPaths(root), "web");
    expect(d).toMatchObject({ sessions: [], acceptance: null, handoffs: [], output: null });
    const withWarning: StageDetail = {
      ...d,
      warnings: [
        { code: "SESSION_SILENT", message: "no output for 40 minutes", hint: "flux attach web" },
      ],
    };
    const text = renderStageDetail(withWarning, false);
    expect(text.split("\n").slice(0, 2)).toEqual([
      "web  waiting",
      "  warning: no output for 40 minutes (flux attach web)",
    ]);
    expect(text).toContain("Sessions: none yet\n\nAcceptance: not run yet\n\nHandoffs: none");
    expect(text).not.toContain("Last output");
  });
});

describe("flux status <stage-id>: the command", () => {
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, {
      cwd: root,
      env: { XDG_CONFIG_HOME: "/nonexistent-flux-test", HOME: root },
      output: { color: false, out: (t) => out.push(t), err: (t) => err.push(t) },
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("prints the detail, as JSON with --json; an unknown stage gets the closest id", async () => {
    seed();
    endSession(store, "ses_second", 1);
    const text = await run(["status", "api"]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^api {2}waiting {2}The API\n/);
    const json = await run(["status", "api", "--json"]);
    const detail = JSON.parse(json.out) as StageDetail;
    expect(detail.sessions.at(-1)).toMatchObject({
      id: "ses_second",
      status: "exited",
      exitCode: 1,
      number: 2,
    });
    expect(detail.warnings).toEqual([]);
    const unknown = await run(["status", "apii"]);
    expect(unknown.code).toBe(5);
    expect(unknown.err).toContain(
      'error[STAGE_NOT_FOUND]: no stage "apii" in the active plan. Did you mean "api"?',
    );
    const asJson = await run(["status", "../x", "--json"]);
    expect(asJson.code).toBe(5);
    expect(JSON.parse(asJson.out)).toMatchObject({ error: { code: "STAGE_NOT_FOUND" } });
  });

  it("lists the health warnings of the stage's open sessions and of its latest", () => {
    seed();
    store.write((emit) =>
      recordWarning(store, emit, "ses_second", {
        kind: "stalled",
        at: "2026-12-05T12:00:00.000Z",
        detail: "no output, model call or hook since 11:50 (10m)",
        action: "none yet: `flux attach api` to look",
      }),
    );
    const detail = readStageDetail(workPaths(root), "api");
    expect(detail.warnings).toEqual([
      {
        code: "SESSION_STALLED",
        message: "ses_second: stalled: no output, model call or hook since 11:50 (10m)",
        hint: "none yet: `flux attach api` to look",
      },
    ]);
    expect(renderStageDetail(detail, false)).toContain(
      "warning: ses_second: stalled: no output, model call or hook since 11:50 (10m) (none yet: `flux attach api` to look)",
    );
  });
});
