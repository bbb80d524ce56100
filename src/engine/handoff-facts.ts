/**
 * What Flux knows about a stage when one of its sessions hands off (DESIGN.md §4): the commits
 * on its branch, the diff against the base, uncommitted files — committed as a WIP commit when
 * Flux writes the handoff itself, so nothing is lost — the latest acceptance run, the session's
 * context and the agent's last messages. The git runs off the event loop.
 */
import fs from "node:fs";
import { agentAdapter } from "../adapters/agents/index.ts";
import { claudeTranscriptTail, readTranscript } from "../adapters/agents/claude/transcript.ts";
import {
  commitsBetweenAsync,
  diffStatAsync,
  dirtyFilesAsync,
  gitAsync,
  headCommitAsync,
  stageBranch,
  worktreePath,
} from "../adapters/git/index.ts";
import type { DiffStat } from "../adapters/git/index.ts";
import { contextPercent } from "../core/context/levels.ts";
import type { HandoffFacts } from "../core/handoff/types.ts";
import { acceptanceRuns } from "../store/acceptance.ts";
import type { SessionRecord } from "../store/sessions.ts";
import type { EngineContext } from "./context.ts";
import { agentTranscript, logFile } from "./session-files.ts";

/** Messages the backstop quotes from the agent's last words. */
const LAST_MESSAGES = 12;

export interface FactsOptions {
  /** Commit the uncommitted files first (Flux writes the handoff: the session is over). */
  wip: boolean;
}

export async function handoffFacts(
  ctx: EngineContext,
  session: SessionRecord,
  options: FactsOptions,
): Promise<HandoffFacts> {
  const plan = ctx.plan();
  const worktree = worktreePath(ctx.paths.root, session.stageId);
  const exists = fs.existsSync(worktree);
  const uncommittedFiles = exists ? await dirtyFilesAsync(worktree) : [];
  let wipCommit: string | undefined;
  if (options.wip && uncommittedFiles.length > 0) {
    wipCommit = await commitWork(worktree, session);
  }
  const branch = stageBranch(session.stageId);
  const [commits, diff] = await Promise.all([
    commitsBetweenAsync(ctx.paths.root, plan.baseBranch, branch),
    diffStatAsync(ctx.paths.root, plan.baseBranch, branch),
  ]);
  const runs = acceptanceRuns(ctx.store, plan.id, session.stageId);
  const last = runs.at(-1);
  const facts: HandoffFacts = {
    commits: commits.map((c) => `${c.sha.slice(0, 8)} ${c.subject}`),
    diffStat: formatDiffStat(diff),
    uncommittedFiles,
  };
  if (session.contextTokens !== null && session.contextWindow !== null) {
    facts.context = {
      tokens: session.contextTokens,
      window: session.contextWindow,
      percent: contextPercent(session.contextTokens, session.contextWindow),
    };
  }
  if (wipCommit !== undefined) facts.wipCommit = wipCommit.slice(0, 8);
  if (last !== undefined) {
    const failed = last.checks.find((check) => !check.passed);
    facts.acceptance = {
      passed: last.passed,
      commit: last.commit.slice(0, 8),
      ...(failed === undefined ? {} : { failed: failed.command }),
    };
  }
  if (options.wip) facts.lastMessages = lastMessages(ctx, session);
  return facts;
}

/**
 * Everything the session left uncommitted, as one commit on the stage branch, so the next
 * session (and the merge) has it. Flux is its author: the agent did not choose this commit.
 */
async function commitWork(worktree: string, session: SessionRecord): Promise<string> {
  await gitAsync(worktree, ["add", "-A"]);
  await gitAsync(worktree, [
    "-c",
    "user.name=Flux",
    "-c",
    "user.email=flux@localhost",
    "commit",
    "--no-verify",
    "-q",
    "-m",
    `flux: work in progress of ${session.stageId}, left uncommitted by ${session.id}`,
  ]);
  return headCommitAsync(worktree);
}

/** `git diff --stat`'s shape: one line per file, then the summary. */
export function formatDiffStat(diff: DiffStat): string {
  if (diff.files.length === 0) return "";
  const lines = diff.files.map((file) =>
    file.added === null
      ? ` ${file.path} | binary`
      : ` ${file.path} | +${file.added} -${file.deleted}`,
  );
  const n = diff.files.length;
  lines.push(
    ` ${n} file${n === 1 ? "" : "s"} changed, ${diff.insertions} insertions(+), ${diff.deletions} deletions(-)`,
  );
  return lines.join("\n");
}

/** What the agent said and ran last: its transcript (a TUI) or its log, as the pane showed it. */
export function lastMessages(ctx: EngineContext, session: SessionRecord): string[] {
  if (session.interactive) {
    const text = readTranscript(agentTranscript(ctx.paths.work, session.id));
    return text === undefined ? [] : claudeTranscriptTail(text, LAST_MESSAGES);
  }
  let text: string;
  try {
    text = fs.readFileSync(logFile(ctx.paths.work, session.id), "utf8");
  } catch {
    return [];
  }
  const kind = session.agent;
  const parser =
    kind === "claude" || kind === "codex" || kind === "opencode"
      ? agentAdapter(kind).parser()
      : undefined;
  let stdout = "";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      const event = JSON.parse(line) as { type?: unknown; stream?: unknown; text?: unknown };
      if (event.type === "output" && event.stream === "stdout" && typeof event.text === "string")
        stdout += event.text;
    } catch {
      // A line cut by a crash: skip it.
    }
  }
  const shown: string[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const readable = parser === undefined ? line : parser.render(line);
    if (readable !== undefined) shown.push(...readable.split("\n"));
  }
  return shown.slice(-LAST_MESSAGES);
}
