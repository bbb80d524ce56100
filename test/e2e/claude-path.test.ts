/**
 * `flux` stays on a Claude session's PATH when Claude runs its Bash commands in a login shell.
 * Claude runs a command inside a snapshot of the user's shell; when taking the snapshot fails
 * (on a loaded machine it runs past Claude's 10 s limit) it falls back to `bash -c -l`, whose
 * /etc/profile resets PATH on Debian: the agent's `flux stage complete` or `flux handoff create`
 * was "command not found" (seen in CI). Here the snapshot fails at once: the shell Claude is
 * given refuses to take it.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { engineRepo } from "../kit/engine-repo.ts";
import { cliEnv, fakeModel } from "../kit/model.ts";
import { tempDir } from "../kit/temp-repo.ts";

/** A bash for Claude (CLAUDE_CODE_SHELL) that fails its snapshot and runs everything else. */
const SHELL = `#!/bin/sh
case "$*" in *snapshot*) exit 1 ;; esac
exec /bin/bash "$@"
`;

describe("a Claude session whose shell snapshot failed", () => {
  it("still finds flux: its commands run in a login shell with Flux's bin dir put back on PATH", async () => {
    await using model = await fakeModel({
      scripts: {
        p: [
          { shell: "command -v flux" },
          { write: { path: "done.txt", content: "done\n" } },
          { shell: 'git add done.txt && git commit -q -m "done"' },
          { shell: "flux stage complete" },
          { end: true, text: "Done." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    const shell = path.join(homes, "bin", "bash");
    fs.mkdirSync(path.dirname(shell), { recursive: true });
    fs.writeFileSync(shell, SHELL, { mode: 0o755 });
    await using repo = await engineRepo({
      defaultsYaml: "    agent: claude\n    mode: headless\n",
      stagesYaml:
        '    - id: p\n      description: "Path. [[script:p]]"\n      acceptance: ["test -f done.txt"]\n',
      env: {
        ...(cliEnv("claude", model, { root: homes }) as Record<string, string>),
        CLAUDE_CODE_SHELL: shell,
      },
    });
    try {
      await repo.ok(["run"]);
      expect(repo.state("p")).toBe("merged");
      // The first command ran in the fallback login shell, and found the session's flux.
      const second = model.requests().find((r) => r.script === "p" && r.turn === 1);
      const said = /"type":"tool_result","content":"((?:[^"\\]|\\.)*)"/.exec(
        JSON.stringify(second?.body),
      )?.[1];
      expect(said).toBe(`${repo.dir}/.work/bin/flux`);
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});
