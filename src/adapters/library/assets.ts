/** Reads the library (assets/) into data for src/core/install: agents, skills and the template. */
import fs from "node:fs";
import path from "node:path";
import type { Library, LibraryFile } from "../../core/install/index.ts";

function readTree(root: string, rel: string, out: LibraryFile[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  for (const e of entries) {
    const child = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) readTree(root, child, out);
    else if (e.isFile()) {
      const file = path.join(root, child);
      const executable = (fs.statSync(file).mode & 0o111) !== 0;
      out.push({
        path: child,
        content: fs.readFileSync(file, "utf8"),
        ...(executable ? { executable: true } : {}),
      });
    }
  }
}

/** assets/agents/*.md, assets/skills/<name>/** and assets/CLAUDE.template.md; missing parts are empty. */
export function readLibrary(dir: string): Library {
  const files: LibraryFile[] = [];
  readTree(dir, "agents", files);
  readTree(dir, "skills", files);
  let template = "";
  try {
    template = fs.readFileSync(path.join(dir, "CLAUDE.template.md"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return {
    files: files
      .filter((f) => !f.path.split("/").some((part) => part.startsWith(".")))
      .sort((a, b) => a.path.localeCompare(b.path)),
    template,
  };
}
