/** Finding an agent CLI: PATH first, then Flux's own node_modules/.bin, else a clear error. */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  agentAdapter,
  isAgentAdapterKind,
  resolveAgentBinary,
} from "../../../src/adapters/agents/index.ts";
import { FluxError } from "../../../src/core/errors.ts";
import { tempDir } from "../../kit/temp-repo.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function binDir(...names: string[]): string {
  const dir = tempDir("flux-bin-");
  dirs.push(dir);
  for (const name of names) fs.writeFileSync(path.join(dir, name), "#!/bin/sh\n", { mode: 0o755 });
  return dir;
}

describe("resolveAgentBinary", () => {
  it("prefers PATH over Flux's own node_modules/.bin", () => {
    const onPath = binDir("claude");
    const project = binDir("claude", "codex");
    const env = { PATH: ["", "relative/bin", onPath].join(path.delimiter) };
    expect(resolveAgentBinary("claude", { env, projectBin: project })).toBe(
      path.join(onPath, "claude"),
    );
    expect(resolveAgentBinary("codex", { env, projectBin: project })).toBe(
      path.join(project, "codex"),
    );
  });

  it("skips files that are not executable, and directories", () => {
    const dir = binDir();
    fs.writeFileSync(path.join(dir, "opencode"), "", { mode: 0o644 });
    const other = binDir();
    fs.mkdirSync(path.join(other, "opencode"));
    const project = binDir("opencode");
    const env = { PATH: [dir, other].join(path.delimiter) };
    expect(resolveAgentBinary("opencode", { env, projectBin: project })).toBe(
      path.join(project, "opencode"),
    );
  });

  it("names the install command when the CLI is nowhere", () => {
    const empty = binDir();
    try {
      resolveAgentBinary("codex", { env: { PATH: empty }, projectBin: empty });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FluxError);
      const e = error as FluxError;
      expect(e.code).toBe("AGENT_NOT_FOUND");
      expect(e.hint).toContain("npm install -g @openai/codex");
      expect(e.data.searched).toEqual([empty, empty]);
    }
    expect(() => resolveAgentBinary("claude", { env: {} })).toThrow(
      expect.objectContaining({
        hint: expect.stringContaining("@anthropic-ai/claude-code") as unknown,
      }),
    );
  });

  it("finds the CLIs this repository pins", () => {
    const projectBin = path.resolve(import.meta.dirname, "../../../node_modules/.bin");
    for (const kind of ["claude", "codex", "opencode"] as const) {
      expect(resolveAgentBinary(kind, { env: {}, projectBin })).toBe(path.join(projectBin, kind));
    }
  });
});

describe("agentAdapter", () => {
  it("one adapter per CLI; command agents are not adapters", () => {
    expect(
      ["claude", "codex", "opencode"].map((k) => isAgentAdapterKind(k) && agentAdapter(k).kind),
    ).toEqual(["claude", "codex", "opencode"]);
    expect(isAgentAdapterKind("command")).toBe(false);
    expect(isAgentAdapterKind("toString")).toBe(false);
  });
});
