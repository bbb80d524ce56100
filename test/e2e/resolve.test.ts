/**
 * A conflict resolved by a real Claude Code session on the scripted model: two stages change
 * one file; the second's merge conflicts with the base once the first merged, and with
 * `merge_conflict: agent` a resolution session merges the base in, writes the resolved file,
 * commits and asks to complete. The base does not move from the conflict until that session's
 * acceptance passed; then the stage merges and the base has both changes.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { engineRepo } from "../kit/engine-repo.ts";
import { cliEnv, fakeModel } from "../kit/model.ts";
import { tempDir } from "../kit/temp-repo.ts";

const COMPLETE = '"$FLUX_BIN" stage complete';

describe("conflict-resolution sessions with real Claude Code", () => {
  it("merge_conflict: agent: a Claude session merges the base in and resolves; the base is untouched until its acceptance passed", async () => {
    await using model = await fakeModel({
      scripts: {
        // b's first session: waits until a merged, then writes its side of shared.txt.
        b1: [
          { shell: 'read go < "$SCRATCH/go-b"' },
          { tool_use: { name: "Read", input: { file_path: "${CWD}/shared.txt" } } },
          { write: { path: "shared.txt", content: "b\n" } },
          { shell: `git commit -qam 'b: shared.txt says b' && ${COMPLETE}` },
          { end: true, text: "Done." },
        ],
        // The resolution session, named by a's commit, which its signal lists among the base's.
        resolve: [
          { shell: 'read go < "$SCRATCH/go-b2"' },
          { shell: "git merge main" },
          { tool_use: { name: "Read", input: { file_path: "${CWD}/shared.txt" } } },
          { write: { path: "shared.txt", content: "a\nb\n" } },
          { shell: `git commit -qam 'Merge main: keep a and b' && ${COMPLETE}` },
          { end: true, text: "Resolved." },
        ],
      },
    });
    const homes = tempDir("flux-cli-");
    await using repo = await engineRepo({
      files: { "shared.txt": "base\n" },
      agents: {
        a: `printf 'a\\n' > shared.txt\ngit commit -qam 'a: shared.txt says a [[script:resolve]]'\n"$FLUX_BIN" stage complete`,
      },
      stagesYaml: [
        "    - id: a",
        "      command: ./agents/a.sh",
        '      acceptance: ["grep -qx a shared.txt"]',
        "    - id: b",
        '      description: "[[script:b1]]"',
        "      agent: claude",
        "      permission_mode: bypass",
        "      merge_conflict: agent",
        "      max_retries: 0",
        `      acceptance: ["grep -qx b shared.txt && ! grep -q '<<<<<<<' shared.txt"]`,
        "",
      ].join("\n"),
      env: { ...(cliEnv("claude", model, { root: homes }) as Record<string, string>) },
    });
    repo.gate("b");
    repo.gate("b2");
    try {
      const run = repo.spawn(["run"]);
      await run.waitFor(/\ba\s+completed → merged/);
      const base = repo.git("rev-parse", "main").trim();
      await repo.open("b");
      // b passes, its merge conflicts with a's, and a resolution session takes it.
      await run.waitFor(/\bb\s+completed → ready/);
      await run.waitFor(/session \S+ \(claude, resolve\)/);
      const status = JSON.parse((await repo.ok(["status", "--json"])).stdout) as {
        stages: { id: string; state: string; reason: string | null; fixAttempts: number }[];
      };
      expect(status.stages.find((s) => s.id === "b")).toMatchObject({
        state: "running",
        reason: "resolving a conflict with main",
        fixAttempts: 1,
      });
      expect(repo.git("rev-parse", "main").trim()).toBe(base);
      await repo.open("b2");

      expect(await run.exit).toBe(0);
      expect(repo.state("b")).toBe("merged");
      expect(repo.git("show", "main:shared.txt")).toBe("a\nb\n");
      // The base moved once since the conflict: b's merge, whose first parent is that base.
      expect(repo.git("rev-parse", "main^1").trim()).toBe(base);
      expect(repo.sessions("b").map((s) => s.purpose)).toEqual(["start", "resolve"]);
      // Claude Code (interactive, its default) ran the resolution script up to the commit and
      // the completion request (turn 4); Flux ends its TUI once the stage completed.
      const turns = model.requests().filter((r) => r.script === "resolve");
      expect(Math.max(...turns.map((r) => r.turn ?? 0))).toBeGreaterThanOrEqual(4);
      expect(repo.git("log", "-1", "--format=%s", "main^2")).toBe("Merge main: keep a and b\n");
      // Its acceptance passed before the merge, on the resolution's commit.
      const moves = repo
        .db<{ to: string }>(
          "SELECT json_extract(data, '$.to') AS \"to\" FROM events WHERE stage_id = 'b' AND type = 'stage.transitioned' ORDER BY seq",
        )
        .map((e) => e.to);
      expect(moves.slice(-5)).toEqual(["ready", "running", "checking", "completed", "merged"]);

      // `flux merge --resolve` is for a stage blocked by a conflict only.
      const refused = await repo.run(["merge", "a", "--resolve"]);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain("only a stage blocked by a merge conflict");
    } finally {
      fs.rmSync(homes, { recursive: true, force: true });
    }
  });
});
