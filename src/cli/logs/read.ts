/**
 * Reading a session's record from its files: the runner's NDJSON log and, for interactive
 * Claude, the transcript its SessionStart hook named (engine/session-files.ts says where each
 * lives). Files are read in chunks from an offset, so a log of any size streams and a growing
 * one can be read again from where the last read stopped (./follow.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { agentTranscript, logFile } from "../../engine/session-files.ts";
import type { LogLine, RenderedSession, SessionRenderer } from "./lines.ts";
import { sessionRenderer } from "./lines.ts";

/** How much one read takes at most, in bytes. */
const CHUNK_BYTES = 256 * 1024;

/** The complete lines of a growing file, read from an offset; UTF-8 decoded across reads. */
export class FileLines {
  private decoder = new StringDecoder("utf8");
  private rest = "";
  private offset: number;
  private skipFirst: boolean;

  /** `offset` > 0 starts inside the file: the first (partial) line is skipped. */
  constructor(
    readonly file: string,
    offset = 0,
  ) {
    this.offset = offset;
    this.skipFirst = offset > 0;
  }

  /** A reader of the file's last `bytes` bytes (from its first whole line on). */
  static tail(file: string, bytes: number): FileLines {
    return new FileLines(file, Math.max(0, size(file) - bytes));
  }

  /** True when it started inside the file rather than at its beginning. */
  get fromMiddle(): boolean {
    return this.offset > 0 && this.skipFirst;
  }

  /**
   * The lines appended since the last read, a chunk at a time (`each` is called per chunk), up
   * to about `budget` bytes; true when it stopped before the end. Nothing when the file does not
   * exist (yet). A file that shrank was replaced: it is read again from its start.
   */
  read(each: (lines: string[]) => void, budget = Infinity): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.file, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    try {
      const end = fs.fstatSync(fd).size;
      if (end < this.offset) {
        this.offset = 0;
        this.rest = "";
        this.decoder = new StringDecoder("utf8");
      }
      const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(1, end - this.offset)));
      let taken = 0;
      while (this.offset < end) {
        if (taken >= budget) return true;
        const n = fs.readSync(
          fd,
          buffer,
          0,
          Math.min(buffer.length, end - this.offset),
          this.offset,
        );
        if (n === 0) break;
        this.offset += n;
        taken += n;
        const lines = (this.rest + this.decoder.write(buffer.subarray(0, n))).split("\n");
        this.rest = lines.pop() ?? "";
        if (this.skipFirst && lines.length > 0) {
          this.skipFirst = false;
          lines.shift();
        }
        if (lines.length > 0) each(lines);
      }
      return false;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The last line when the file does not end with a newline (a writer cut short). */
  unterminated(): string {
    return this.skipFirst ? "" : this.rest;
  }
}

function size(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

/** Where a session's record is read from, and what receives the raw lines. */
export interface SessionSink {
  /** Raw lines of the runner's NDJSON log, in order. */
  log(lines: string[]): void;
  /** Raw lines of an interactive agent's transcript, in order (after the log's, per read). */
  transcript(lines: string[]): void;
  /** Everything there is has been read, for now: lines held back for ordering go out. */
  settle(): void;
  /** The session's record is complete: what is still open goes out. */
  end(): void;
}

/** The files of one session, read incrementally: the log, and the transcript once it is known. */
export class SessionFiles {
  readonly log: FileLines;
  transcript: FileLines | undefined;
  /** The runner wrote its `exit` record: nothing more comes to the log. */
  exited = false;

  /** `tailBytes`: read only the end of each file, that many bytes at most. */
  constructor(
    private readonly work: string,
    readonly session: RenderedSession,
    private readonly tailBytes?: number,
  ) {
    const file = logFile(work, session.id);
    this.log = tailBytes === undefined ? new FileLines(file) : FileLines.tail(file, tailBytes);
  }

  /**
   * Reads what was appended since the last call into `sink`, about `budget` bytes at most; true
   * when there is more to read (call again). Once both files are read to their end, the sink
   * is settled.
   */
  read(sink: SessionSink, budget = Infinity): boolean {
    const more = this.log.read((lines) => {
      if (!this.exited && lines.some(isExitRecord)) this.exited = true;
      sink.log(lines);
    }, budget);
    if (more) return true;
    if (this.session.interactive && this.transcript === undefined) {
      // Named by the SessionStart hook: absent until the agent has started its session.
      const file = agentTranscript(this.work, this.session.id);
      if (file !== undefined)
        this.transcript =
          this.tailBytes === undefined ? new FileLines(file) : FileLines.tail(file, this.tailBytes);
    }
    if (this.transcript?.read((lines) => sink.transcript(lines), budget) === true) return true;
    sink.settle();
    return false;
  }

  /** The directories whose changes may mean more to read. */
  dirs(): string[] {
    const dirs = [path.dirname(this.log.file)];
    if (this.transcript !== undefined) dirs.push(path.dirname(this.transcript.file));
    return dirs;
  }

  /** Ends the sink once the files are read to their end and the session has ended. */
  end(sink: SessionSink): void {
    const last = this.log.unterminated();
    if (last !== "") sink.log([last]);
    const lastOfTranscript = this.transcript?.unterminated() ?? "";
    if (lastOfTranscript !== "") sink.transcript([lastOfTranscript]);
    sink.settle();
    sink.end();
  }
}

/**
 * The runner's `exit` record. Output text is a JSON string inside its record, where quotes are
 * escaped: the bare `"type":"exit"` only appears as a record's own field.
 */
function isExitRecord(line: string): boolean {
  if (!line.includes('"type":"exit"')) return false;
  try {
    return (JSON.parse(line) as { type?: unknown }).type === "exit";
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
}

/**
 * A sink that renders (./lines.ts) and hands readable lines on. The runner's lines of an
 * interactive session are merged with its transcript's by time: they come from two files, so
 * they are held until the transcript read after them has said what came first.
 */
export function renderingSink(
  session: RenderedSession,
  renderer: SessionRenderer,
  emit: (lines: LogLine[]) => void,
): SessionSink {
  let held: LogLine[] = [];
  return {
    log(lines) {
      const out = lines.flatMap((l) => renderer.logLine(l));
      if (session.interactive) held.push(...out);
      else if (out.length > 0) emit(out);
    },
    transcript(lines) {
      const out: LogLine[] = [];
      for (const line of lines.flatMap((l) => renderer.transcriptLine(l))) {
        while (held.length > 0 && before(held[0]!, line)) out.push(held.shift()!);
        out.push(line);
      }
      if (out.length > 0) emit(out);
    },
    settle() {
      if (held.length > 0) emit(held);
      held = [];
    },
    end() {
      const rest = renderer.flush();
      if (rest.length > 0) emit(rest);
    },
  };
}

/** `a` happened no later than `b`, as far as their times say (a line without one waits). */
function before(a: LogLine, b: LogLine): boolean {
  return a.t !== null && b.t !== null && a.t <= b.t;
}

/** A session's last `count` readable lines, from the end of its files (`flux status <id>`). */
export function lastLines(
  work: string,
  session: RenderedSession,
  count: number,
  tailBytes = 256 * 1024,
): LogLine[] {
  const files = new SessionFiles(work, session, tailBytes);
  const renderer = sessionRenderer(session, { fromMiddle: files.log.fromMiddle });
  let lines: LogLine[] = [];
  const sink = renderingSink(session, renderer, (more) => {
    lines.push(...more);
    if (lines.length > count * 4) lines = lines.slice(-count);
  });
  // Not `end`: a live session's last record may be half written.
  files.read(sink);
  sink.end();
  return lines.slice(-count);
}
