/**
 * Sessions as the engine and the runner leave them: rows in a real store (insertSession,
 * markSessionStarted, markSessionEnded) and the runner's NDJSON log at `.work/logs/<id>.ndjson`,
 * one `{t, type, …}` record per line, appended the way engine/runner.ts appends them.
 */
import fs from "node:fs";
import path from "node:path";
import { logFile } from "../../src/engine/session-files.ts";
import type { SessionPurpose } from "../../src/store/sessions.ts";
import { insertSession, markSessionEnded, markSessionStarted } from "../../src/store/sessions.ts";
import type { Store } from "../../src/store/store.ts";

export interface SessionRow {
  id: string;
  stage: string;
  agent?: string;
  purpose?: SessionPurpose;
  interactive?: boolean;
}

export function addSession(store: Store, planId: number, row: SessionRow): void {
  store.write((emit) => {
    insertSession(store, emit, {
      id: row.id,
      planId,
      stageId: row.stage,
      agent: row.agent ?? "command",
      backend: "tmux",
      name: `flux-${row.stage}`,
      tokenHash: `hash-${row.id}`,
      purpose: row.purpose ?? "start",
      interactive: row.interactive === true,
    });
    markSessionStarted(store, emit, row.id, 4242);
  });
}

export function endSession(store: Store, id: string, exitCode = 0): void {
  store.write((emit) =>
    markSessionEnded(store, emit, id, { status: "exited", exitCode, exitSignal: null }),
  );
}

/** Appends runner records to a session's log; times count up from `start`, 1 s apart. */
export class RunnerLog {
  readonly file: string;
  private at: number;

  constructor(work: string, id: string, start = Date.parse("2026-12-05T12:00:00Z")) {
    this.file = logFile(work, id);
    this.at = start;
  }

  /** The time of the next record (ISO). */
  get next(): string {
    return new Date(this.at).toISOString();
  }

  record(event: Record<string, unknown>): this {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, `${JSON.stringify({ t: this.next, ...event })}\n`);
    this.at += 1000;
    return this;
  }

  start(): this {
    return this.record({ type: "start", argv: ["sh", "-c", "agent"], cwd: "/w" }).record({
      type: "spawned",
      pid: 4242,
    });
  }

  out(text: string, stream: "stdout" | "stderr" = "stdout"): this {
    return this.record({ type: "output", stream, text });
  }

  exit(code = 0): this {
    return this.record({ type: "exit", code, signal: null });
  }
}
