/** The real Codex CLI against the fake model, in a temp git repo. */
import { describe, expect, it } from "vitest";
import { cliHome, fakeModel, runAgentCli } from "../../kit/model.ts";
import { tempRepo } from "../../kit/temp-repo.ts";

describe("codex against the fake model", () => {
  it("runs a shell command, writes a file and exits 0", async () => {
    await using repo = await tempRepo();
    await using model = await fakeModel([
      { text: "Running it.", shell: "echo codex ran > shell-proof.txt" },
      { write: { path: "sub dir/it's.txt", content: "exact\nbytes" } },
      { text: "All done." },
    ]);
    await using home = cliHome("codex", model);
    const run = await runAgentCli("codex", { cwd: repo.dir, env: home.env, prompt: "do it" });

    expect(run.code, run.stderr).toBe(0);
    expect(repo.read("shell-proof.txt")).toBe("codex ran\n");
    expect(repo.read("sub dir/it's.txt")).toBe("exact\nbytes");
    const commands = run.events.filter(
      (e) =>
        e.type === "item.completed" && (e.item as { type: string }).type === "command_execution",
    );
    expect(commands).toHaveLength(2);
    const messages = run.events.flatMap((e) => {
      const item = e.item as { type?: string; text?: string } | undefined;
      return e.type === "item.completed" && item?.type === "agent_message" ? [item.text] : [];
    });
    expect(messages).toEqual(["Running it.", "All done."]);
    expect(run.events.at(-1)).toMatchObject({ type: "turn.completed" });
    const turns = model.requests().filter((r) => r.api === "responses");
    expect(turns.map((r) => [r.turn, r.response_kind])).toEqual([
      [0, "shell"],
      [1, "write"],
      [2, "text"],
    ]);
  });

  it("fails the turn on a scripted error", async () => {
    await using repo = await tempRepo();
    await using model = await fakeModel([
      { error: { status: 400, type: "invalid_request_error", message: "scripted failure" } },
    ]);
    await using home = cliHome("codex", model);
    const run = await runAgentCli("codex", { cwd: repo.dir, env: home.env, prompt: "do it" });

    expect(run.code).toBe(1);
    expect(run.events.at(-1)).toMatchObject({ type: "turn.failed" });
    expect(JSON.stringify(run.events.at(-1))).toContain("scripted failure");
  });
});
