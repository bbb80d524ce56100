import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chooseBackend } from "../../../src/adapters/sessions/index.ts";
import { FluxError } from "../../../src/core/errors.ts";
import { tempDir } from "../../kit/temp-repo.ts";

const base = { socket: "flux-choose", stateDir: "/unused/state" };

/** A `tmux` that only answers -V, with the given version line. */
function fakeTmux(versionLine: string): { bin: string } & Disposable {
  const dir = tempDir();
  const bin = path.join(dir, "tmux");
  fs.writeFileSync(bin, `#!/bin/sh\necho "${versionLine}"\n`, { mode: 0o755 });
  return { bin, [Symbol.dispose]: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function thrown(work: () => unknown): FluxError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(FluxError);
    return error as FluxError;
  }
  throw new Error("expected a FluxError");
}

describe("chooseBackend", () => {
  it("uses tmux when it is there and processes when asked or when it is not", () => {
    expect(chooseBackend({ ...base, preferred: "auto" }).kind).toBe("tmux");
    expect(chooseBackend({ ...base, preferred: "tmux" }).kind).toBe("tmux");
    expect(chooseBackend({ ...base, preferred: "process" }).kind).toBe("process");
    const missing = { ...base, tmuxBin: "/nonexistent/tmux" };
    expect(chooseBackend({ ...missing, preferred: "auto" }).kind).toBe("process");
    expect(thrown(() => chooseBackend({ ...missing, preferred: "tmux" })).code).toBe(
      "TMUX_MISSING",
    );
  });

  it("treats a tmux older than 3.2 as unusable", () => {
    using old = fakeTmux("tmux 3.1c");
    expect(chooseBackend({ ...base, tmuxBin: old.bin, preferred: "auto" }).kind).toBe("process");
    const error = thrown(() => chooseBackend({ ...base, tmuxBin: old.bin, preferred: "tmux" }));
    expect(error.code).toBe("TMUX_TOO_OLD");
    expect(error.data).toMatchObject({ version: "3.1c", minimum: "3.2" });
  });
});
