/**
 * A stand-in for the GitHub CLI at the one boundary Flux cannot reach in a test: a small `gh`
 * script (put first on PATH) that keeps pull requests in a JSON file and implements the subset
 * Flux calls — `pr create --base --head --title --body-file`, `pr view <n|branch> --json`,
 * `pr list --head --state open --json`, `pr edit <n> --body-file`. The remote is a real bare repository; the test merges
 * (or squashes, or closes) a pull request there itself and records it here, as GitHub would.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface StandinPull {
  number: number;
  url: string;
  state: "OPEN" | "CLOSED" | "MERGED";
  base: string;
  head: string;
  title: string;
  body: string;
  headRefOid: string | null;
  mergeCommit: { oid: string } | null;
  mergedAt: string | null;
}

interface StandinState {
  next: number;
  pulls: StandinPull[];
  /** Every call's argv, in order. */
  calls: string[][];
}

/**
 * The daemon runs several gh at once (two stages, a poll) while the test updates the file: every
 * read-modify-write holds a lock directory, so no update is lost.
 */
const LOCK = `
function lock(file) {
  const dir = file + ".lock";
  for (let i = 0; ; i++) {
    try { fs.mkdirSync(dir); return () => fs.rmSync(dir, { recursive: true, force: true }); }
    catch (e) { if (e.code !== "EEXIST" || i > 4000) throw e; }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}
`;

const SCRIPT = `
const fs = require("node:fs");
${LOCK}
const file = process.env.GH_STANDIN_STATE;
const unlock = lock(file);
process.on("exit", unlock);
const state = JSON.parse(fs.readFileSync(file, "utf8"));
const args = process.argv.slice(2);
state.calls.push(args);
const save = () => fs.writeFileSync(file, JSON.stringify(state, null, 2));
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
const pick = (pull) => {
  const out = {};
  for (const f of (flag("--json") || "").split(",")) if (f) out[f] = pull[f] === undefined ? null : pull[f];
  return out;
};
save();
if (args[0] === "--version") { process.stdout.write("gh version 2.0.0-standin\\n"); process.exit(0); }
if (args[0] !== "pr") { process.stderr.write("unknown command\\n"); process.exit(1); }
if (args[1] === "create") {
  const n = state.next++;
  const pull = { number: n, url: "https://github.test/acme/app/pull/" + n, state: "OPEN",
    base: flag("--base"), head: flag("--head"), title: flag("--title"),
    body: fs.readFileSync(flag("--body-file"), "utf8"), headRefOid: null, mergeCommit: null, mergedAt: null };
  state.pulls.push(pull);
  save();
  process.stdout.write("Creating pull request for " + pull.head + " into " + pull.base + "\\n\\n" + pull.url + "\\n");
} else if (args[1] === "view") {
  const sel = args[2];
  const pull = state.pulls.filter((p) => String(p.number) === sel || p.head === sel).at(-1);
  if (!pull) { process.stderr.write('no pull requests found for branch "' + sel + '"\\n'); process.exit(1); }
  process.stdout.write(JSON.stringify(pick(pull)) + "\\n");
} else if (args[1] === "list") {
  const head = flag("--head");
  const wanted = (flag("--state") || "open").toUpperCase();
  const pulls = state.pulls.filter((p) => (!head || p.head === head) && (wanted === "ALL" || p.state === wanted));
  process.stdout.write(JSON.stringify(pulls.map(pick)) + "\\n");
} else if (args[1] === "edit") {
  const pull = state.pulls.find((p) => String(p.number) === args[2]);
  if (!pull) { process.stderr.write("no pull request " + args[2] + "\\n"); process.exit(1); }
  pull.body = fs.readFileSync(flag("--body-file"), "utf8");
  save();
} else { process.stderr.write("unknown pr command\\n"); process.exit(1); }
`;

export interface GhStandin {
  /** Put first on PATH. */
  binDir: string;
  /** The environment that makes flux (and its daemon) use the stand-in. */
  env: Record<string, string>;
  pulls(): StandinPull[];
  calls(): string[][];
  pull(head: string): StandinPull;
  /** Adds an open pull request, as if someone (a killed daemon) had opened it. */
  add(pull: Pick<StandinPull, "base" | "head" | "title">): StandinPull;
  update(number: number, change: Partial<StandinPull>): void;
}

export function ghStandin(dir: string): GhStandin {
  const binDir = path.join(dir, "gh-bin");
  fs.mkdirSync(binDir, { recursive: true });
  const statePath = path.join(dir, "gh-state.json");
  fs.writeFileSync(statePath, JSON.stringify({ next: 1, pulls: [], calls: [] }));
  const gh = path.join(binDir, "gh");
  fs.writeFileSync(gh, `#!${process.execPath}\n${SCRIPT}`);
  fs.chmodSync(gh, 0o755);
  const read = () => JSON.parse(fs.readFileSync(statePath, "utf8")) as StandinState;
  const write = (state: StandinState) => fs.writeFileSync(statePath, JSON.stringify(state));
  const locked = <T>(fn: () => T): T => {
    const unlock = lockFile(statePath);
    try {
      return fn();
    } finally {
      unlock();
    }
  };
  const standin: GhStandin = {
    binDir,
    env: {
      PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
      GH_STANDIN_STATE: statePath,
    },
    pulls: () => locked(read).pulls,
    calls: () => locked(read).calls,
    pull(head) {
      const found = locked(read)
        .pulls.filter((p) => p.head === head)
        .at(-1);
      if (found === undefined) throw new Error(`no pull request for ${head}`);
      return found;
    },
    add: (pull) =>
      locked(() => {
        const state = read();
        const number = state.next++;
        const added: StandinPull = {
          ...pull,
          number,
          url: `https://github.test/acme/app/pull/${number}`,
          state: "OPEN",
          body: "",
          headRefOid: null,
          mergeCommit: null,
          mergedAt: null,
        };
        state.pulls.push(added);
        write(state);
        return added;
      }),
    update: (number, change) =>
      locked(() => {
        const state = read();
        state.pulls = state.pulls.map((p) => (p.number === number ? { ...p, ...change } : p));
        write(state);
      }),
  };
  return standin;
}

/** The script's lock, for the test's own read-modify-writes. */
function lockFile(file: string): () => void {
  const dir = `${file}.lock`;
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(dir);
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || i > 4000) throw error;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Reviewer",
  GIT_AUTHOR_EMAIL: "reviewer@flux.invalid",
  GIT_COMMITTER_NAME: "Reviewer",
  GIT_COMMITTER_EMAIL: "reviewer@flux.invalid",
};

/** A bare repository beside the test repo, added as `origin` with `main` pushed. */
export function bareRemote(repoDir: string, scratch: string): string {
  const remote = path.join(scratch, "remote.git");
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", remote]);
  execFileSync("git", ["remote", "add", "origin", remote], { cwd: repoDir });
  execFileSync("git", ["push", "-q", "origin", "main"], { cwd: repoDir });
  return remote;
}

/**
 * Merges `branch` into `main` on the bare remote, as GitHub's button does: a merge commit, or a
 * squash (one new commit on main that the branch's commits are not ancestors of). Returns the
 * commit made on main.
 */
export function mergeOnRemote(
  remote: string,
  scratch: string,
  branch: string,
  how: "merge" | "squash",
): string {
  const clone = fs.mkdtempSync(path.join(scratch, "merge-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: clone,
      encoding: "utf8",
      env: { ...process.env, ...GIT_ENV },
    }).trim();
  git("clone", "-q", "-b", "main", remote, ".");
  git("fetch", "-q", "origin", `refs/heads/${branch}`);
  if (how === "squash") {
    git("merge", "-q", "--squash", "FETCH_HEAD");
    git("commit", "-q", "-m", `${branch} (squashed)`);
  } else {
    git("merge", "-q", "--no-ff", "-m", `Merge pull request from ${branch}`, "FETCH_HEAD");
  }
  git("push", "-q", "origin", "main");
  const sha = git("rev-parse", "HEAD");
  fs.rmSync(clone, { recursive: true, force: true });
  return sha;
}
