/** Temporary git repositories for tests: `await using repo = await tempRepo()`. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

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

/** Every directory tempDir made in this test file; test/kit/setup.ts removes what is left. */
const made = new Set<string>();

export function tempDir(prefix = "flux-test-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.add(dir);
  return dir;
}

/** Removes the temp directories a test file left (those it removed itself are gone already). */
export function removeTempDirs(): void {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** A repository on branch `main` with one commit. */
export async function tempRepo(
  options: { branch?: string; commit?: boolean } = {},
): Promise<TempRepo> {
  const dir = tempDir();
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
