/** The gh adapter against a stand-in `gh` on PATH: argv as given, no shell, absent when missing. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GH_ABSENT, createPull, listOpenPulls, viewPull } from "../../../src/adapters/gh/index.ts";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "flux-gh-test-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A `gh` that records its argv and answers with `stdout` and `code`. */
function fakeGh(stdout: string, code = 0, stderr = ""): NodeJS.ProcessEnv {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  const script = `#!${process.execPath}
require("node:fs").writeFileSync(${JSON.stringify(path.join(dir, "argv.json"))}, JSON.stringify(process.argv.slice(2)));
process.stdout.write(${JSON.stringify(stdout)});
process.stderr.write(${JSON.stringify(stderr)});
process.exit(${code});
`;
  fs.writeFileSync(path.join(bin, "gh"), script, { mode: 0o755 });
  return { PATH: bin };
}

const argv = () => JSON.parse(fs.readFileSync(path.join(dir, "argv.json"), "utf8")) as string[];

describe("the gh adapter", () => {
  it("passes the title and body file as arguments, never through a shell", async () => {
    const env = fakeGh("https://github.com/a/b/pull/5\n");
    const title = "it's $(rm -rf /) `x` ; done";
    const created = await createPull(
      { base: "main", head: "flux/api", title, bodyFile: "/tmp/body.md" },
      { cwd: dir, env },
    );
    expect(created).toEqual({ number: 5, url: "https://github.com/a/b/pull/5" });
    expect(argv()).toEqual([
      "pr",
      "create",
      "--base",
      "main",
      "--head",
      "flux/api",
      "--title",
      title,
      "--body-file",
      "/tmp/body.md",
    ]);
  });

  it("lists the open pull requests of a branch, and views one by number", async () => {
    let env = fakeGh('[{"number":2,"url":"u","state":"OPEN","headRefOid":"h"}]');
    expect(await listOpenPulls("flux/api", { cwd: dir, env })).toHaveLength(1);
    expect(argv()).toEqual([
      "pr",
      "list",
      "--head",
      "flux/api",
      "--state",
      "open",
      "--json",
      "number,url,state,headRefOid",
    ]);
    env = fakeGh('{"number":2,"url":"u","state":"CLOSED","mergedAt":null,"mergeCommit":null}');
    expect(await viewPull(2, { cwd: dir, env })).toMatchObject({ state: "CLOSED" });
    expect(argv()).toEqual([
      "pr",
      "view",
      "2",
      "--json",
      "number,url,state,mergedAt,mergeCommit,headRefOid",
    ]);
  });

  it("says undefined for no such pull request, and throws gh's other failures", async () => {
    let env = fakeGh("", 1, 'no pull requests found for branch "flux/x"\n');
    expect(await viewPull("flux/x", { cwd: dir, env })).toBeUndefined();
    env = fakeGh("", 4, "gh auth login\n");
    await expect(listOpenPulls("flux/x", { cwd: dir, env })).rejects.toMatchObject({
      code: "GH_NOT_LOGGED_IN",
    });
  });

  it("answers GH_ABSENT when the remotes are not on GitHub: ancestry must do", async () => {
    const env = fakeGh(
      "",
      1,
      "none of the git remotes configured for this repository point to a known GitHub host. To tell gh about a new GitHub host, please use `gh auth login`\n",
    );
    expect(await listOpenPulls("flux/a", { cwd: dir, env })).toBe(GH_ABSENT);
    expect(await viewPull(3, { cwd: dir, env })).toBe(GH_ABSENT);
  });

  it("answers GH_ABSENT when gh is not on PATH", async () => {
    const env = { PATH: path.join(dir, "empty") };
    expect(await viewPull(1, { cwd: dir, env })).toBe(GH_ABSENT);
    expect(await listOpenPulls("flux/a", { cwd: dir, env })).toBe(GH_ABSENT);
  });
});
