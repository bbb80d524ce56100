/** File helpers shared by the store's writers. */
import fs from "node:fs";

/** Temp file + rename: a reader sees the old file or the new one, never half of one. */
export function writeAtomic(file: string, content: string, mode?: number): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, content, mode === undefined ? undefined : { mode });
  fs.renameSync(tmp, file);
}
