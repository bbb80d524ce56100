/**
 * `flux plan draft` with the real agent CLIs against the scripted model: the first draft has a
 * cycle and an unknown dependency, Flux sends the diagnostics back into the same conversation,
 * and the second draft is valid.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { LoggedRequest } from "../../src/adapters/model/index.ts";
import { parsePlan } from "../../src/core/plan/index.ts";
import { flux } from "../kit/cli.ts";
import { cliHome, fakeModel, type AgentCli } from "../kit/model.ts";
import { tempRepo } from "../kit/temp-repo.ts";

const GOAL = "Build a link shortener: a store, an HTTP API and a CLI";

function planDoc(stages: string): string {
  return `# PLAN: Link shortener

A store for short codes, an HTTP API over it and a command line client.

<!-- FLUX METADATA -->

\`\`\`yaml
flux:
  version: 1
  stages:
${stages}\`\`\`

<!-- END FLUX METADATA -->
`;
}

const stage = (id: string, deps: string[]) =>
  `    - id: ${id}\n      dependencies: [${deps.join(", ")}]\n      acceptance: ["npm test -- test/${id}"]\n      files: ["src/${id}/**"]\n`;

/** store → api → cli → store is a cycle; docs depends on a stage that does not exist. */
const BROKEN = planDoc(
  stage("store", ["cli"]) +
    stage("api", ["store"]) +
    stage("cli", ["api"]) +
    stage("docs", ["site"]),
);
const FIXED = planDoc(
  stage("store", []) +
    stage("api", ["store"]) +
    stage("cli", ["store"]) +
    stage("docs", ["api", "cli"]),
);

/** The model's answers in the conversation: requests outside it (probes, titles) are left out. */
function conversationRequests(requests: LoggedRequest[]): LoggedRequest[] {
  return requests.filter((r) => r.turn !== null && r.status === 200);
}

/** The user text of a request: every message's text, joined. */
function userText(request: LoggedRequest): string {
  return JSON.stringify(request.body);
}

/** The id each CLI sends to tell its conversations apart. */
function conversationId(kind: AgentCli, request: LoggedRequest): string | undefined {
  if (kind === "claude") return request.headers["x-claude-code-session-id"];
  if (kind === "codex") {
    const meta = request.headers["x-codex-turn-metadata"];
    return meta === undefined
      ? undefined
      : (JSON.parse(meta) as { session_id?: string }).session_id;
  }
  return request.headers["x-session-id"];
}

describe("flux plan draft", () => {
  for (const kind of ["claude", "codex"] as const) {
    it(`turns a goal into a valid plan with ${kind}: the invalid first draft is repaired in the same conversation`, async () => {
      // Turn 0: the broken draft (wrapped in a fence, with chatter); turn 1: the fixed one.
      await using model = await fakeModel([
        { text: `Here is the plan:\n\n\`\`\`\`markdown\n${BROKEN}\`\`\`\`\n` },
        { text: FIXED },
      ]);
      await using home = cliHome(kind, model);
      await using repo = await tempRepo();
      const result = await flux(["plan", "draft", GOAL, "--agent", kind, "--name", "links"], {
        cwd: repo.dir,
        env: home.env,
        timeoutMs: 60_000,
      });
      expect(result.code, result.stderr).toBe(0);

      const file = path.join(repo.dir, "doc/plans/PLAN-links.md");
      const written = fs.readFileSync(file, "utf8");
      expect(written).toBe(FIXED);
      const parsed = parsePlan(written, "doc/plans/PLAN-links.md");
      expect(parsed.diagnostics).toEqual([]);
      expect(parsed.plan?.stages.map((s) => s.id)).toEqual(["store", "api", "cli", "docs"]);

      expect(result.stderr).toContain(`round 1/3: asking ${kind} for a plan…`);
      expect(result.stderr).toMatch(/round 1\/3: 2 errors \(PLAN_CYCLE, PLAN_UNKNOWN_DEPENDENCY\)/);
      expect(result.stderr).toContain(`round 2/3: sending the diagnostics back to ${kind}…`);
      expect(result.stderr).toContain("round 2/3: the plan is valid");
      expect(result.stdout).toContain("Level 0");
      expect(result.stdout).toMatch(/docs .*← api, cli/);
      expect(result.stdout).toContain("critical path: store → api → docs");
      expect(result.stdout).toContain("flux init doc/plans/PLAN-links.md");

      const [first, second, ...rest] = conversationRequests(model.requests());
      expect(rest).toEqual([]);
      expect(first?.turn).toBe(0);
      expect(userText(first!)).toContain(GOAL);
      expect(userText(first!)).toContain("You are the planner");
      // The second request continues the first conversation: its first answer is in it.
      expect(second?.turn).toBe(1);
      expect(conversationId(kind, second!)).toBeDefined();
      expect(conversationId(kind, second!)).toBe(conversationId(kind, first!));
      const feedback = userText(second!);
      expect(feedback).toContain("PLAN_CYCLE");
      expect(feedback).toContain("PLAN_UNKNOWN_DEPENDENCY");
      expect(feedback).toContain("doc/plans/PLAN-links.md:");
    });
  }

  it("gives up after --rounds with exit 3, the diagnostics, and the draft kept", async () => {
    await using model = await fakeModel([{ text: BROKEN }, { text: FIXED }]);
    await using home = cliHome("claude", model);
    await using repo = await tempRepo();
    const result = await flux(["plan", "draft", GOAL, "--rounds", "1"], {
      cwd: repo.dir,
      env: home.env,
      timeoutMs: 60_000,
    });
    expect(result.code, result.stderr).toBe(3);
    const name = "build-link-shortener-store-http";
    expect(fs.readFileSync(path.join(repo.dir, `doc/plans/PLAN-${name}.md`), "utf8")).toBe(BROKEN);
    expect(result.stderr).toContain("error[PLAN_CYCLE]");
    expect(result.stderr).toContain("error[PLAN_UNKNOWN_DEPENDENCY]");
    expect(result.stderr).toContain(
      `error[PLAN_DRAFT_INVALID]: claude gave no valid plan in 1 round (2 errors left); the last draft is kept in doc/plans/PLAN-${name}.md`,
    );
    expect(conversationRequests(model.requests())).toHaveLength(1);
  });

  it("refuses to overwrite a plan without --force, before asking any agent", async () => {
    await using model = await fakeModel([{ text: FIXED }]);
    await using home = cliHome("claude", model);
    await using repo = await tempRepo();
    repo.write("doc/plans/PLAN-links.md", "mine\n");
    const result = await flux(["plan", "draft", GOAL, "--name", "links", "--json"], {
      cwd: repo.dir,
      env: home.env,
    });
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: "PLAN_EXISTS" } });
    expect(repo.read("doc/plans/PLAN-links.md")).toBe("mine\n");
    expect(conversationRequests(model.requests())).toEqual([]);
  });

  it("says the agent is not logged in, and points to flux doctor", async () => {
    await using model = await fakeModel([
      { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } },
    ]);
    await using home = cliHome("claude", model);
    await using repo = await tempRepo();
    const result = await flux(["plan", "draft", GOAL], { cwd: repo.dir, env: home.env });
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain("error[AGENT_NOT_LOGGED_IN]");
    expect(result.stderr).toContain("flux doctor");
  });
});
