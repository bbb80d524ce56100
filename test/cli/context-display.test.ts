/**
 * Context health as a person sees it from the command line: `flux status` (text in colour and
 * without, JSON), `flux sessions list` and `flux attach list` (a CONTEXT column, JSON), over
 * session rows written into the repository's store the way the engine writes them.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessBackend } from "../../src/adapters/process/index.ts";
import { Store } from "../../src/store/store.ts";
import type { ContextRow } from "../kit/context-rows.ts";
import { LEVEL_TOKENS, writeContextRows } from "../kit/context-rows.ts";
import type { FluxRepo } from "../kit/flux-repo.ts";
import { fluxRepo } from "../kit/flux-repo.ts";

const STAGES = `    - id: a
    - id: b
    - id: c
    - id: d
    - id: e
`;

const ROWS: ContextRow[] = [
  { id: "ses_green", stage: "a", tokens: LEVEL_TOKENS.green },
  { id: "ses_yellow", stage: "b", tokens: LEVEL_TOKENS.yellow },
  { id: "ses_red", stage: "c", tokens: LEVEL_TOKENS.red },
  { id: "ses_limit", stage: "d", tokens: LEVEL_TOKENS.limit },
  { id: "ses_none", stage: "e" },
];

const CONTEXTS = {
  ses_green: { tokens: 90_000, window: 200_000, percent: 45, level: "green" },
  ses_yellow: { tokens: 130_000, window: 200_000, percent: 65, level: "yellow" },
  ses_red: { tokens: 160_000, window: 200_000, percent: 80, level: "red" },
  ses_limit: { tokens: 184_000, window: 200_000, percent: 92, level: "limit" },
  ses_none: null,
};

async function repoWith(rows: readonly ContextRow[]): Promise<FluxRepo> {
  const repo = await fluxRepo(STAGES);
  await repo.ok(["init", "doc/plans/PLAN-test.md"]);
  using store = new Store(path.join(repo.dir, ".work/flux.db"));
  const plan = store.activePlan();
  if (plan === undefined) throw new Error("no active plan");
  writeContextRows(store, plan.id, rows);
  return repo;
}

const lineOf = (text: string, id: string) => text.split("\n").find((l) => l.includes(id)) ?? "";

function setConfig(repo: FluxRepo, table: string, body: string): void {
  repo.write(".work/config.toml", `${repo.read(".work/config.toml")}\n[${table}]\n${body}\n`);
}

describe("flux status shows each session's context", () => {
  it("as text, without colour under NO_COLOR", async () => {
    await using repo = await repoWith(ROWS);
    const { stdout } = await repo.ok(["status"], 0, { NO_COLOR: "1", FORCE_COLOR: undefined });
    expect(stdout).not.toContain("\u001b[");
    expect(lineOf(stdout, "ses_green")).toMatch(
      /^ {2}ses_green\s+a\s+running\s+claude\s+context: 45%$/,
    );
    expect(lineOf(stdout, "ses_yellow")).toMatch(/context: 65%$/);
    expect(lineOf(stdout, "ses_red")).toMatch(/context: 80%$/);
    expect(lineOf(stdout, "ses_limit")).toMatch(/context: 92% over the 90% limit$/);
    expect(lineOf(stdout, "ses_none")).toMatch(/context: —$/);
  });

  it("coloured by level where the output is coloured", async () => {
    await using repo = await repoWith(ROWS);
    const { stdout } = await repo.ok(["status"], 0, { NO_COLOR: undefined, FORCE_COLOR: "1" });
    expect(lineOf(stdout, "ses_green")).toContain("context: \u001b[32m45%\u001b[39m");
    expect(lineOf(stdout, "ses_yellow")).toContain("context: \u001b[33m65%\u001b[39m");
    expect(lineOf(stdout, "ses_red")).toContain("context: \u001b[31m80%\u001b[39m");
    expect(lineOf(stdout, "ses_limit")).toContain(
      "context: \u001b[1m\u001b[31m92% over the 90% limit\u001b[39m\u001b[22m",
    );
    expect(lineOf(stdout, "ses_none")).toContain("context: —");
  });

  it("follows [ui] color over the environment", async () => {
    await using repo = await repoWith(ROWS);
    setConfig(repo, "ui", 'color = "never"');
    const never = await repo.ok(["status"], 0, { NO_COLOR: undefined, FORCE_COLOR: "1" });
    expect(never.stdout).not.toContain("\u001b[");
    expect(lineOf(never.stdout, "ses_red")).toMatch(/context: 80%$/);
  });

  it("as JSON: {tokens, window, percent, level} per session, null without a figure", async () => {
    await using repo = await repoWith(ROWS);
    const data = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      sessions: { id: string; context: unknown }[];
    };
    expect(Object.fromEntries(data.sessions.map((s) => [s.id, s.context]))).toEqual(CONTEXTS);
  });

  it("with the thresholds of [context] for rows that recorded no level", async () => {
    await using repo = await repoWith([{ id: "ses_old", stage: "a", telemetryTokens: 130_000 }]);
    const before = await repo.ok(["status", "--json"]);
    expect(JSON.parse(before.stdout)).toMatchObject({
      sessions: [{ context: { percent: 65, level: "yellow" } }],
    });
    setConfig(repo, "context", "warn = 70\nhandoff = 80");
    const after = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
      sessions: { context: unknown }[];
      stages: { context: unknown }[];
    };
    expect(after.sessions[0]?.context).toMatchObject({ percent: 65, level: "green" });
    expect(after.stages[0]?.context).toEqual({ warn: 70, handoff: 80, hard: 90 });
  });

  it("refuses a [context] value out of range, naming the key", async () => {
    await using repo = await repoWith([]);
    setConfig(repo, "context", "warn = 0");
    const result = await repo.ok(["status"], 2);
    expect(result.stderr).toMatch(
      /error\[CONFIG_INVALID\]: .*config\.toml: context\.warn: must be a whole percent from 1 to 100/,
    );
  });
});

describe("flux sessions list has a CONTEXT column", () => {
  it("with each live session's figure, coloured by level", async () => {
    await using repo = await repoWith([
      ...ROWS,
      { id: "ses_ended", stage: "a", tokens: LEVEL_TOKENS.red, ended: true },
    ]);
    const plain = (await repo.ok(["sessions", "list"])).stdout;
    const header = plain.split("\n")[0] ?? "";
    expect(header).toMatch(/^SESSION\s+STAGE\s+STATUS\s+CONTEXT\s+AGENT\s+BACKEND\s+AGE$/);
    const column = header.indexOf("CONTEXT");
    const cell = (id: string) =>
      lineOf(plain, id)
        .slice(column)
        .split(/\s{2,}/)[0];
    expect(cell("ses_green")).toBe("45%");
    expect(cell("ses_yellow")).toBe("65%");
    expect(cell("ses_red")).toBe("80%");
    expect(cell("ses_limit")).toBe("92% over the 90% limit");
    expect(cell("ses_none")).toBe("—");
    expect(lineOf(plain, "ses_green").indexOf("claude")).toBe(header.indexOf("AGENT"));
    expect(plain).not.toContain("ses_ended");
    expect(lineOf((await repo.ok(["sessions", "list", "--all"])).stdout, "ses_ended")).toMatch(
      /exited\s+80%\s+claude/,
    );

    const coloured = (
      await repo.ok(["sessions", "list"], 0, { FORCE_COLOR: "1", NO_COLOR: undefined })
    ).stdout;
    expect(lineOf(coloured, "ses_green")).toContain("\u001b[32m45%\u001b[39m");
    expect(lineOf(coloured, "ses_yellow")).toContain("\u001b[33m65%\u001b[39m");
    expect(lineOf(coloured, "ses_red")).toContain("\u001b[31m80%\u001b[39m");
    expect(lineOf(coloured, "ses_limit")).toContain(
      "\u001b[1m\u001b[31m92% over the 90% limit\u001b[39m\u001b[22m",
    );
  });

  it("and a context object per session in its JSON", async () => {
    await using repo = await repoWith(ROWS);
    const data = JSON.parse((await repo.ok(["sessions", "list", "--json"])).stdout) as {
      id: string;
      context: unknown;
      contextTokens: number | null;
    }[];
    expect(Object.fromEntries(data.map((s) => [s.id, s.context]))).toEqual(CONTEXTS);
    expect(data.find((s) => s.id === "ses_green")?.contextTokens).toBe(90_000);
  });
});

describe("flux attach list has a CONTEXT column", () => {
  it("for the sessions alive in the backend, and a context object in its JSON", async () => {
    await using repo = await repoWith(ROWS);
    const env = { FLUX_SESSION_BACKEND: "process" };
    const backend = new ProcessBackend({ stateDir: path.join(repo.dir, ".work/sessions/backend") });
    try {
      for (const stage of ["a", "d", "e"])
        await backend.start({
          name: `flux-${stage}`,
          cwd: repo.dir,
          argv: ["sleep", "60"],
          env: {},
          logFile: path.join(repo.dir, ".work/logs", `flux-${stage}.log`),
        });
      const text = (await repo.ok(["attach", "list"], 0, env)).stdout;
      const header = text.split("\n")[0] ?? "";
      expect(header).toMatch(/^SESSION\s+STAGE\s+STATUS\s+CONTEXT\s+AGE$/);
      expect(lineOf(text, "ses_green")).toMatch(/^ses_green\s+a\s+running\s+45%\s+\d+s$/);
      expect(lineOf(text, "ses_limit")).toMatch(/running\s+92% over the 90% limit\s+\d+s$/);
      expect(lineOf(text, "ses_none")).toMatch(/running\s+—\s+\d+s$/);
      expect(text).not.toContain("ses_red");

      const coloured = await repo.ok(["attach", "list"], 0, {
        ...env,
        FORCE_COLOR: "1",
        NO_COLOR: undefined,
      });
      expect(lineOf(coloured.stdout, "ses_green")).toContain("\u001b[32m45%\u001b[39m");

      const data = JSON.parse((await repo.ok(["attach", "list", "--json"], 0, env)).stdout) as {
        session: string;
        context: unknown;
      }[];
      expect(Object.fromEntries(data.map((s) => [s.session, s.context]))).toEqual({
        ses_green: CONTEXTS.ses_green,
        ses_limit: CONTEXTS.ses_limit,
        ses_none: null,
      });
    } finally {
      for (const session of await backend.list()) await backend.kill(session.name);
    }
  });
});
