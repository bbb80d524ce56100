/**
 * Ordinary mistakes on the command line read like every other Flux error: `error[CODE]: what is
 * wrong`, where (the command), and a hint — never commander's bare `error: …` line, never a
 * stack trace — with exit 2, and as JSON where the command takes `--json`.
 */
import { describe, expect, it } from "vitest";
import { flux } from "../kit/cli.ts";
import { fluxRepo } from "../kit/flux-repo.ts";
import { tempDir } from "../kit/temp-repo.ts";

interface Case {
  args: string[];
  /** Text the `error[USAGE]: …` line holds. */
  message: string;
  /** Text the hint holds. */
  hint: string;
}

const CASES: Case[] = [
  {
    args: ["stauts"],
    message: "unknown command 'stauts'. Did you mean status?",
    hint: "`flux --help` lists the commands",
  },
  {
    args: ["status", "--bogus"],
    message: "flux status: unknown option '--bogus'",
    hint: "`flux status --help` lists its options",
  },
  {
    args: ["daemon", "start", "--detatch"],
    message: "flux daemon start: unknown option '--detatch'. Did you mean --detach?",
    hint: "`flux daemon start --help` lists its options",
  },
  {
    args: ["status", "-x"],
    message: "flux status: unknown option '-x'",
    hint: "`flux status --help` lists its options",
  },
  {
    args: ["init"],
    message: "flux init: missing required argument 'plan-path'",
    hint: "usage: flux init [options] <plan-path>; `flux init --help` shows its usage",
  },
  {
    args: ["verify"],
    message: "flux verify: missing required argument 'id'",
    hint: "`flux verify --help` shows its usage",
  },
  {
    args: ["plan", "new"],
    message: "flux plan new: missing required argument 'name'",
    hint: "usage: flux plan new [options] <name>",
  },
  {
    args: ["stage", "a", "block", "extra", "more"],
    message: "flux stage: too many arguments. Expected 2 arguments but got 4.",
    hint: "`flux stage --help` shows its usage",
  },
  {
    args: ["graph", "show", "--format", "svg"],
    message:
      "flux graph show: option '-f, --format <format>' argument 'svg' is invalid. Allowed choices are text, dot, mermaid, json.",
    hint: "`flux graph show --help` shows its usage",
  },
  {
    args: ["completion", "powershell"],
    message:
      "flux completion: command-argument value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.",
    hint: "usage: flux completion [options] <shell>",
  },
  {
    args: ["run", "--stage"],
    message: "flux run: option '--stage <id>' argument missing",
    hint: "`flux run --help` shows its usage",
  },
  {
    args: ["sessions", "frob"],
    message: "flux sessions: unknown command 'frob'",
    hint: "`flux sessions --help` lists its commands",
  },
  {
    args: ["worktree", "lsit"],
    message: "flux worktree: unknown command 'lsit'. Did you mean list?",
    hint: "`flux worktree --help` lists its commands",
  },
  {
    args: ["help", "statsu"],
    message: "help: unknown command 'statsu'. Did you mean status?",
    hint: "`flux --help` lists the commands",
  },
  {
    args: ["sessions", "list", "extra"],
    message: "flux sessions list: too many arguments. Expected 0 arguments but got 1.",
    hint: "`flux sessions list --help` shows its usage",
  },
];

describe("usage errors", () => {
  it("come out in Flux's format, with where, a hint and exit 2", async () => {
    const dir = tempDir();
    expect(CASES.length).toBeGreaterThanOrEqual(10);
    for (const c of CASES) {
      const result = await flux(c.args, { cwd: dir });
      const what = `flux ${c.args.join(" ")}\n${result.stderr}`;
      expect(result.code, what).toBe(2);
      expect(result.stdout, what).toBe("");
      const [first, second, ...rest] = result.stderr.trimEnd().split("\n");
      expect(first, what).toBe(`error[USAGE]: ${c.message}`);
      expect(second, what).toMatch(/^ {2}hint: /);
      expect(second, what).toContain(c.hint);
      expect(rest, what).toEqual([]);
    }
  });

  it("print as JSON on standard output where the command takes --json", async () => {
    const dir = tempDir();
    for (const args of [
      ["status", "--json", "--bogus"],
      ["init", "--json"],
      ["sessions", "list", "--json", "extra"],
      ["attach", "--json"],
    ]) {
      const result = await flux(args, { cwd: dir });
      const what = `flux ${args.join(" ")}\n${result.stdout}${result.stderr}`;
      expect(result.code, what).toBe(2);
      expect(result.stderr, what).toBe("");
      const body = JSON.parse(result.stdout) as { error: { code: string; hint: string } };
      expect(body.error.code, what).toBe("USAGE");
      expect(body.error.hint, what).toContain("flux");
    }
    // A command without --json prints text: `--json` is then the unknown option.
    const run = await flux(["run", "--json"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[USAGE]: flux run: unknown option '--json'");
  });

  it("still prints help and the version with exit 0", async () => {
    const dir = tempDir();
    const help = await flux(["status", "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: flux status");
    expect((await flux(["--version"], { cwd: dir })).code).toBe(0);
  });
});

describe("flux attach without a target", () => {
  it("points to `flux attach list` and `flux attach <stage>`", async () => {
    const result = await flux(["attach"], { cwd: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error\[USAGE\]: flux attach needs a target/);
    expect(result.stderr).toContain("`flux attach list`");
    expect(result.stderr).toContain("`flux attach <stage>`");
  });
});

describe("flux stage with one word", () => {
  it("asks a stage for its action, with examples", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const result = await repo.ok(["stage", "c"], 2);
    expect(result.stderr).toContain(
      "error[STAGE_ACTION_MISSING]: stage c needs an action: complete, block, reset, skip, cancel",
    );
    expect(result.stderr).toContain("flux stage c reset");
    expect(result.stderr).not.toContain("is not a stage action");
    const json = await repo.ok(["stage", "c", "--json"], 2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "STAGE_ACTION_MISSING" } });
  });

  it("says which stage it may have meant when the word is neither a stage nor an action", async () => {
    await using repo = await fluxRepo(`    - id: api\n    - id: web\n      dependencies: [api]\n`);
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const result = await repo.ok(["stage", "apj"], 5);
    expect(result.stderr).toContain(
      'error[STAGE_NOT_FOUND]: no stage "apj" in the active plan. Did you mean "api"?',
    );
    expect(result.stderr).toContain("hint: stages: api, web");
  });

  it("asks an action for its stage", async () => {
    await using repo = await fluxRepo();
    await repo.ok(["init", "doc/plans/PLAN-test.md"]);
    const result = await repo.ok(["stage", "block"], 2);
    expect(result.stderr).toContain("error[STAGE_ID_MISSING]: flux stage block needs a stage id");
    expect(result.stderr).toContain("flux stage <id> block");
  });
});
