/** Gathers what a session's signal says: the stage, its dependencies' output, feedback, recovery. */
import {
  commitsBetweenAsync,
  dirtyFilesAsync,
  parentsAsync,
  stageBranch,
} from "../adapters/git/index.ts";
import type { DependencyOutput, Feedback, Recovery, SignalData } from "../core/signal/data.ts";
import { completeCommandFor, handoffCommandFor } from "../core/signal/data.ts";
import { renderHandoff } from "../core/handoff/render.ts";
import { latestHandoff } from "../store/handoffs.ts";
import { renderSignal } from "../core/signal/render.ts";
import type { SessionPurpose, SessionRecord } from "../store/sessions.ts";
import { latestSession } from "../store/sessions.ts";
import type { StageRecord } from "../store/store.ts";
import type { EngineContext } from "./context.ts";
import { agentTranscript, logTail } from "./session-files.ts";
import { claudeTranscriptTail, readTranscript } from "../adapters/agents/claude/transcript.ts";
import { loadSignalTemplate } from "./signal-templates.ts";
import { skillsForStage } from "../adapters/library/skills.ts";

/** The session's signal; the git it needs runs off the event loop. */
export async function buildSignal(
  engine: EngineContext,
  stage: StageRecord,
  worktree: { path: string; branch: string },
  sessionId: string,
  purpose: SessionPurpose,
): Promise<string> {
  const plan = engine.plan();
  const data: SignalData = {
    stage: stage.spec,
    plan: { title: plan.title, overview: plan.overview },
    acceptance: stage.spec.acceptance,
    dependencies: await Promise.all(
      stage.spec.dependencies.map((id) => dependencyOutput(engine, id)),
    ),
    feedback: parseFeedback(stage.feedback),
    recovery:
      purpose === "retry" || purpose === "resume"
        ? await recovery(engine, stage, worktree.path)
        : undefined,
    handoff: latestHandoffText(engine, stage.id),
    session: {
      id: sessionId,
      worktree: worktree.path,
      branch: worktree.branch,
      completeCommand: completeCommandFor(stage.spec.agent),
      handoffCommand: handoffCommandFor(stage.spec.agent),
    },
    // Last in the signal, after feedback and recovery: it never shifts the stable prefix.
    skills: skillsForStage(stage.spec, { ...engine.run.env, ...stage.spec.env }),
  };
  return renderSignal(loadSignalTemplate(engine.promptDir), data);
}

async function dependencyOutput(engine: EngineContext, id: string): Promise<DependencyOutput> {
  const plan = engine.plan();
  const dep = engine.store.stage(plan.id, id);
  const branch = stageBranch(id);
  let commits: string[] = [];
  const merge = dep?.mergeCommit ?? null;
  if (merge !== null) {
    // A merge commit brought the branch's commits; a squash (or rebase) merge of a pull request
    // made one commit of them, and a fast-forward has no merge commit to read them from.
    const [first, second] = await parentsAsync(engine.paths.root, merge);
    if (first !== undefined)
      commits = (await commitsBetweenAsync(engine.paths.root, first, second ?? merge)).map(
        (c) => `${c.sha.slice(0, 8)} ${c.subject}`,
      );
  }
  return { id, name: dep?.spec.name ?? id, branch, mergeCommit: dep?.mergeCommit ?? null, commits };
}

export function parseFeedback(text: string | null): Feedback | undefined {
  if (text === null || text === "") return undefined;
  return JSON.parse(text) as Feedback;
}

async function recovery(
  engine: EngineContext,
  stage: StageRecord,
  worktree: string,
): Promise<Recovery> {
  const plan = engine.plan();
  const previous = latestSession(engine.store, plan.id, stage.id);
  const [commits, uncommittedFiles] = await Promise.all([
    commitsBetweenAsync(engine.paths.root, plan.baseBranch, stageBranch(stage.id)),
    dirtyFilesAsync(worktree),
  ]);
  return {
    attempt: stage.retries + 1,
    maxAttempts: stage.spec.maxRetries + 1,
    commits: commits.map((c) => `${c.sha.slice(0, 8)} ${c.subject}`),
    uncommittedFiles,
    lastOutput: previous === undefined ? [] : lastOutput(engine, previous),
  };
}

/** What the previous session said last: its log, or an interactive agent's transcript. */
function lastOutput(engine: EngineContext, session: SessionRecord): string[] {
  if (!session.interactive) return logTail(engine.paths.work, session.id, 30).split("\n");
  // Claude's own file, gone or unreadable: the signal goes without it.
  const text = readTranscript(agentTranscript(engine.paths.work, session.id));
  return text === undefined ? [] : claudeTranscriptTail(text, 30);
}

/**
 * The stage's latest handoff, rendered, its headings one level down (it sits in a section of
 * the signal): in the prompt itself, since agents often fail to go and read a file.
 */
function latestHandoffText(engine: EngineContext, stageId: string): string | undefined {
  const record = latestHandoff(engine.store, engine.plan().id, stageId);
  if (record === undefined) return undefined;
  let fenced = false;
  return renderHandoff(record)
    .split("\n")
    .map((line) => {
      if (line.startsWith("```")) fenced = !fenced;
      return !fenced && line.startsWith("#") ? `##${line}` : line;
    })
    .join("\n");
}
