/** The real opencode CLI against the fake model, in a temp git repo. */
import { describe, expect, it } from "vitest";
import { cliHome, fakeModel, runAgentCli } from "../../kit/model.ts";
import { tempRepo } from "../../kit/temp-repo.ts";

describe("opencode against the fake model", () => {
  it("writes a file, runs bash and exits 0", async () => {
    await using repo = await tempRepo();
    await using model = await fakeModel({
      scripts: {
        work: [
          {
            text: "Writing the file.",
            write: { path: "hello.txt", content: "hello from opencode\n" },
          },
          {
            shell: "echo ${TURN} > bash-proof.txt",
            usage: { input_tokens: 300, cache_read_input_tokens: 8000, output_tokens: 25 },
          },
          { end: true },
        ],
      },
    });
    await using home = cliHome("opencode", model);
    const run = await runAgentCli("opencode", {
      cwd: repo.dir,
      env: home.env,
      prompt: "do it [[script:work]]",
    });

    expect(run.code, run.stderr).toBe(0);
    expect(repo.read("hello.txt")).toBe("hello from opencode\n");
    expect(repo.read("bash-proof.txt")).toBe("1\n");
    const tools = run.events.flatMap((e) => {
      const part = e.part as { type?: string; tool?: string; state?: { status?: string } };
      return e.type === "tool_use" ? [[part.tool, part.state?.status]] : [];
    });
    expect(tools).toEqual([
      ["write", "completed"],
      ["bash", "completed"],
    ]);
    const steps = run.events.filter((e) => e.type === "step_finish");
    expect(steps[1]).toMatchObject({
      part: { reason: "tool-calls", tokens: { input: 300, output: 25, cache: { read: 8000 } } },
    });
    expect(
      run.events.find((e) => e.type === "text" && (e.part as { text: string }).text === "Done."),
    ).toBeDefined();
    const chat = model.requests().filter((r) => r.api === "chat");
    expect(chat.map((r) => [r.script, r.turn, r.response_kind])).toContainEqual([
      null,
      null,
      "title",
    ]);
    expect(chat.filter((r) => r.script === "work").map((r) => [r.turn, r.response_kind])).toEqual([
      [0, "write"],
      [1, "shell"],
      [2, "end"],
    ]);
  });
});
