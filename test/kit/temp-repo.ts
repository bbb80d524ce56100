/** Temporary git repositories for tests: `await using repo = await tempRepo()`. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inTest, mustRemove } from "./leaks.ts";

export interface TempRepo extends AsyncDisposable {
  dir: string;
  git: (...args: string[]) => string;
  write: (rel: string, content: string) => string;
  read: (rel: string) => string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Flux Test",
  GIT_AUTHOR_EMAIL: "test@flux.invalid",
  GIT_COMMITTER_NAME: "Flux Test",
  GIT_COMMITTER_EMAIL: "test@flux.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
};

/** Directories tempDir made during the current test, and outside any test (module scope). */
const testDirs = new Set<string>();
const fileDirs = new Set<string>();

function makeTempDir(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/**
 * A scratch directory that lives until the end of the test that made it (or of the test file,
 * when made outside a test): test/kit/setup.ts removes it, so a test need not.
 */
export function tempDir(prefix = "flux-test-"): string {
  const dir = makeTempDir(prefix);
  (inTest() ? testDirs : fileDirs).add(dir);
  return dir;
}

/** Removes the directories tempDir made during the test that is ending. */
export function removeTestTempDirs(): void {
  for (const dir of testDirs) fs.rmSync(dir, { recursive: true, force: true });
  testDirs.clear();
}

/** Removes every directory tempDir made in this test file. */
export function removeTempDirs(): void {
  removeTestTempDirs();
  for (const dir of fileDirs) fs.rmSync(dir, { recursive: true, force: true });
  fileDirs.clear();
}

/**
 * A repository on branch `main` with one commit. Its dispose removes it: a test that does not
 * dispose it (`await using`) fails for the leak.
 */
export async function tempRepo(
  options: { branch?: string; commit?: boolean } = {},
): Promise<TempRepo> {
  const dir = makeTempDir("flux-test-");
  mustRemove(dir, "a tempRepo() that was not disposed");
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
  git("init", "-q", "-b", options.branch ?? "main");
  if (options.commit !== false) {
    fs.writeFileSync(path.join(dir, "README.md"), "# test repo\n");
    git("add", "README.md");
    git("commit", "-q", "-m", "initial");
  }
  return Promise.resolve({
    dir,
    git,
    write(rel, content) {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      return file;
    },
    read: (rel) => fs.readFileSync(path.join(dir, rel), "utf8"),
    [Symbol.asyncDispose]: async () => {
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  });
}
