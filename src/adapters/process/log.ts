/** The tail of a session's log file: what `capture` shows for a process without a pane. */
import fs from "node:fs";
import { lastLines } from "../sessions/backend.ts";

/** How much of the end of the log is read, in bytes: plenty for a screenful, bounded for huge logs. */
const TAIL_BYTES = 1024 * 1024;

/** The last `lines` lines of `file`; "" when the process has not written it yet. */
export function tailLines(file: string, lines: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    let text = buffer.toString("utf8");
    // Started mid-file: the first line is partial (maybe mid-character); drop it.
    if (length < size) text = text.slice(text.indexOf("\n") + 1);
    return lastLines(text, lines);
  } finally {
    fs.closeSync(fd);
  }
}
