/** The internal-error log never writes through a planted file or symlink. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeErrorLog } from "../../src/cli/error-log.ts";
import { reportError } from "../../src/cli/errors.ts";
import type { Output } from "../../src/cli/output.ts";
import { tempDir } from "../kit/temp-repo.ts";

describe("internal-error log", () => {
  it("creates a new private file beside a planted symlink, leaving its target alone", () => {
    const base = tempDir();
    const dir = path.join(base, "errors");
    fs.mkdirSync(dir, { mode: 0o755 });
    const target = path.join(base, "precious.txt");
    fs.writeFileSync(target, "keep me\n");
    fs.symlinkSync(target, path.join(dir, `flux-error-${process.pid}.log`));
    const file = writeErrorLog("boom\n", dir);
    expect(fs.readFileSync(target, "utf8")).toBe("keep me\n");
    expect(file).toBe(path.join(dir, `flux-error-${process.pid}-1.log`));
    expect(fs.readFileSync(file, "utf8")).toBe("boom\n");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("refuses a directory that is a symlink", () => {
    const base = tempDir();
    fs.mkdirSync(path.join(base, "elsewhere"));
    fs.symlinkSync(path.join(base, "elsewhere"), path.join(base, "errors"));
    expect(() => writeErrorLog("boom\n", path.join(base, "errors"))).toThrow(/not a directory/);
  });
});

describe("reportError", () => {
  function capture(): Output & { lines: string[] } {
    const lines: string[] = [];
    return { color: false, lines, out: (t) => lines.push(t), err: (t) => lines.push(t) };
  }

  it("keeps a bug's stack out of the user's face and says where the details are", () => {
    const output = capture();
    const previous = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = tempDir();
    try {
      expect(reportError(output, new Error("boom"), false)).toBe(1);
    } finally {
      if (previous === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = previous;
    }
    const text = output.lines.join("\n");
    expect(text).toContain("internal error: boom");
    expect(text).not.toMatch(/\n\s+at /);
    const log = /the details are in (\S+)\./.exec(text)?.[1] ?? "";
    expect(fs.readFileSync(log, "utf8")).toMatch(/\n\s+at /);
  });

  it("translates what the machine refused into an error with a hint, not a bug", () => {
    const output = capture();
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), {
      code: "ENOSPC",
      syscall: "write",
      path: "/repo/.work/logs/x.log",
    });
    expect(reportError(output, full, false)).toBe(6);
    expect(output.lines.join("\n")).toContain(
      "error[DISK_FULL]: no space left to write /repo/.work/logs/x.log",
    );
    const locked = Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
    expect(reportError(capture(), locked, false)).toBe(6);
  });
});
