/**
 * A reader that goes away (`flux doctor | head -1`) is the reader's choice: the rest of the
 * output is dropped, with no stack trace and no "internal error".
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { FLUX_BIN, testEnv } from "../kit/cli.ts";
import { tempDir } from "../kit/temp-repo.ts";

describe("a closed stdout", () => {
  it("ends flux doctor quietly after the reader took its first line", async () => {
    const child = spawn(process.execPath, [FLUX_BIN, "doctor"], {
      cwd: tempDir(),
      env: testEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    // Like `head -1`: one chunk read, then the pipe closed under the writer.
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|internal error/);
    expect([0, 6, 7]).toContain(code);
  });
});
