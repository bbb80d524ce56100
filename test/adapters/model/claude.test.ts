/** The real Claude Code CLI against the fake model, in a temp git repo. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliHome, fakeModel, runAgentCli } from "../../kit/model.ts";
import { tempRepo } from "../../kit/temp-repo.ts";

describe("claude against the fake model", () => {
  it("writes a file, runs a shell command and exits 0", async () => {
    await using repo = await tempRepo();
    await using model = await fakeModel([
      { text: "Writing the file.", write: { path: "hello.txt", content: "hello from claude\n" } },
      { shell: "echo turn ${TURN} > shell-proof.txt" },
      { end: true, text: "All done." },
    ]);
    await using home = cliHome("claude", model);
    const run = await runAgentCli("claude", { cwd: repo.dir, env: home.env, prompt: "do it" });

    expect(run.code, run.stderr).toBe(0);
    expect(repo.read("hello.txt")).toBe("hello from claude\n");
    expect(repo.read("shell-proof.txt")).toBe("turn 1\n");
    const result = run.events.find((e) => e.type === "result");
    expect(result).toMatchObject({ subtype: "success", is_error: false, result: "All done." });
    const turns = model.requests().filter((r) => r.api === "anthropic");
    expect(turns.map((r) => [r.turn, r.response_kind])).toEqual([
      [0, "write"],
      [1, "shell"],
      [2, "end"],
    ]);
    expect(turns[0]?.headers["x-api-key"]).toBe("[redacted]");
    // Its transcripts land in its own config dir.
    expect(fs.existsSync(path.join(home.root, "claude", "config", "projects"))).toBe(true);
  });

  it("compacts a resumed session with the script's summary", async () => {
    await using repo = await tempRepo();
    // Claude refuses to compact a conversation shorter than a few messages.
    await using model = await fakeModel({
      turns: [{ shell: "echo 1" }, { shell: "echo 2" }, { text: "First prompt done." }],
      compact: "The user asked twice; two echoes ran.",
    });
    await using home = cliHome("claude", model);
    const first = await runAgentCli("claude", { cwd: repo.dir, env: home.env, prompt: "go" });
    const session = String(first.events.find((e) => e.type === "result")?.session_id);
    const args = ["--resume", session];
    const run = await runAgentCli("claude", {
      cwd: repo.dir,
      env: home.env,
      prompt: "/compact",
      args,
    });

    expect(run.code, run.stderr).toBe(0);
    const boundary = run.events.find((e) => e.subtype === "compact_boundary");
    expect(boundary).toMatchObject({ compact_metadata: { trigger: "manual" } });
    expect(run.stdout).toContain("The user asked twice; two echoes ran.");
    expect(model.requests().at(-1)).toMatchObject({ api: "anthropic", response_kind: "compact" });
  });

  it("reports a scripted 529 as an API error without retrying", async () => {
    await using repo = await tempRepo();
    await using model = await fakeModel([
      { error: { status: 529, type: "overloaded_error", message: "Overloaded" } },
    ]);
    await using home = cliHome("claude", model);
    const run = await runAgentCli("claude", { cwd: repo.dir, env: home.env, prompt: "do it" });

    const result = run.events.find((e) => e.type === "result");
    expect(result).toMatchObject({ is_error: true, api_error_status: 529 });
    expect(model.requests().filter((r) => r.api === "anthropic")).toHaveLength(1);
  });
});
