/**
 * Tests that leak on purpose, one kind each, run by test/kit/leaks.test.ts in a vitest of their
 * own: each must fail with its leak named, and the clean one must pass.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { it } from "vitest";
import { tempDir, tempRepo } from "../temp-repo.ts";
import { privateTmux } from "../tmux.ts";

it("clean: disposes what it makes", async () => {
  await using repo = await tempRepo();
  await using tmux = privateTmux();
  await tmux.backend.start({
    name: "flux-a",
    cwd: repo.dir,
    argv: ["sleep", "60"],
    env: {},
    logFile: "/unused",
  });
  tempDir(); // the kit's to remove
});

it("leaks a detached process", async () => {
  // The shell exits at once: its sleep is reparented away from this worker, as a daemon is.
  const child = spawn("sh", ["-c", "sleep 60 > /dev/null 2>&1 &"], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
});

it("leaks a tmux server", () => {
  const dir = tempDir();
  const env = { ...process.env, TMUX_TMPDIR: dir };
  const args = ["-L", "leaky", "-f", "/dev/null", "new-session", "-d", "sleep", "60"];
  execFileSync("tmux", args, { env, stdio: "ignore" });
});

it("leaks a temp repository", async () => {
  await tempRepo();
});

it("leaks a private tmux directory", () => {
  privateTmux();
});

it("leaks a directory of ours in TMPDIR", () => {
  fs.mkdtempSync(path.join(os.tmpdir(), "flux-demo-"));
});
