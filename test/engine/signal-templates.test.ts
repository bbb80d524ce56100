import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FluxError } from "../../src/core/errors.ts";
import { renderSignal } from "../../src/core/signal/index.ts";
import {
  defaultSignalTemplatePath,
  loadSignalTemplate,
  packageRoot,
} from "../../src/engine/signal-templates.ts";
import { tempDir } from "../kit/temp-repo.ts";
import { bareSignal } from "../core/signal/fixtures.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("loadSignalTemplate", () => {
  it("finds the default at templates/signal.md under the package root", () => {
    expect(packageRoot()).toBe(ROOT);
    expect(defaultSignalTemplatePath()).toBe(path.join(ROOT, "templates", "signal.md"));
    expect(loadSignalTemplate()).toBe(fs.readFileSync(defaultSignalTemplatePath(), "utf8"));
  });

  it("ships the default with the package", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      files: string[];
    };
    expect(pkg.files).toContain("templates");
  });

  it("uses signal.md from the prompt directory when present", () => {
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, "signal.md"), "Custom: {{stage_id}} in {{worktree}}\n");
      const template = loadSignalTemplate(dir);
      expect(renderSignal(template, bareSignal())).toBe("Custom: api in /repo/.worktrees/api\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("falls back to the default when the prompt directory has no signal.md", () => {
    const dir = tempDir();
    try {
      expect(loadSignalTemplate(dir)).toBe(loadSignalTemplate());
      expect(loadSignalTemplate(path.join(dir, "missing"))).toBe(loadSignalTemplate());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a broken override on load, naming the file and the placeholder", () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, "signal.md");
      fs.writeFileSync(file, "{{#feedback}}\n{{stage_nam}}\n{{/feedback}}\n");
      let caught: unknown;
      try {
        loadSignalTemplate(dir);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(FluxError);
      const error = caught as FluxError;
      expect(error.code).toBe("SIGNAL_TEMPLATE");
      expect(error.message).toContain(file);
      expect(error.message).toContain("{{stage_nam}}");
      expect(error.data).toMatchObject({ file, placeholder: "stage_nam", line: 2 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
