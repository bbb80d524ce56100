/** The internal-error log never writes through a planted file or symlink. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeErrorLog } from "../../src/cli/error-log.ts";
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
