/** What a signal is made of: everything comes in as data, so rendering stays pure. */
import type { Acceptance, Plan, Stage } from "../plan/model.ts";
import type { SignalSkills } from "./skills.ts";

/** The command an agent runs to ask Flux to verify and complete its stage (DESIGN.md §3). */
export const COMPLETE_COMMAND = '"$FLUX_BIN" stage complete';

/** A finished stage this one builds on. */
export interface DependencyOutput {
  id: string;
  name: string;
  branch: string;
  /** The merge commit on the base branch; null when this stage stacks on the unmerged branch. */
  mergeCommit: string | null;
  /** Commit subjects of the dependency's work, as they should be shown (e.g. `abc1234 Add API`). */
  commits: string[];
}

/** One acceptance check that failed, as an agent needs it to fix the cause. */
export interface FailedCheck {
  command: string;
  /** One line: "exit 1, expected 0", "timed out after 10m". */
  reason: string;
  /** The last lines of the check's stdout and stderr, interleaved. */
  outputTail: string;
  /** The tail is only the end of a longer output. */
  outputTruncated?: boolean | undefined;
}

/** Why the previous attempt did not complete the stage. */
export type Feedback =
  | {
      kind: "acceptance";
      failed: FailedCheck[];
      /** Checks not run because an earlier one failed. */
      notRun: string[];
      /** 1-based number of the fix attempt this feedback starts, and the limit, when known. */
      attempt?: number | undefined;
      maxAttempts?: number | undefined;
    }
  | { kind: "gate"; reason: string; reviewer?: string | undefined }
  | {
      /** The finished branch conflicts with the base: this session merges the base in. */
      kind: "conflict";
      base: string;
      files: string[];
      /** What the base gained since the branch left it, as shown (`abc1234 Subject`), newest first. */
      baseCommits?: string[] | undefined;
      /** 1-based number of this resolution among the stage's fix attempts, and the limit. */
      attempt?: number | undefined;
      maxAttempts?: number | undefined;
    };

/** What a crashed session left behind, for the session that takes over. */
export interface Recovery {
  /** 1-based number of this attempt (the first retry is attempt 2). */
  attempt: number;
  maxAttempts?: number | undefined;
  /** Commits on the branch since its base, as they should be shown. */
  commits: string[];
  /** Uncommitted paths in the worktree, as `git status --short` shows them. */
  uncommittedFiles: string[];
  /** The last output lines of the previous session. */
  lastOutput: string[];
}

/** How an agent calls flux: Claude refuses `$FLUX_BIN` expansions outside bypass mode, Codex's
 * login shell resets PATH so only `"$FLUX_BIN"` works; others take either. */
export function completeCommandFor(agent: string): string {
  return agent === "claude" ? "flux stage complete" : COMPLETE_COMMAND;
}

/** How an agent gives Flux its handoff (same reasons as completeCommandFor). */
export function handoffCommandFor(agent: string): string {
  return agent === "claude" ? "flux handoff create" : '"$FLUX_BIN" handoff create';
}

export interface SessionFacts {
  id: string;
  /** Absolute path of the worktree: the session's working directory. */
  worktree: string;
  branch: string;
  /** The completion command this agent is told to run (default COMPLETE_COMMAND). */
  completeCommand?: string | undefined;
  /** The command this agent gives Flux its handoff with (default handoffCommandFor("")). */
  handoffCommand?: string | undefined;
}

export interface SignalData {
  stage: Pick<Stage, "id" | "name" | "description" | "files">;
  plan: Pick<Plan, "title" | "overview">;
  acceptance: Pick<Acceptance, "command" | "timeoutMs" | "expectExit" | "stdoutContains">[];
  dependencies: DependencyOutput[];
  feedback?: Feedback | undefined;
  recovery?: Recovery | undefined;
  /**
   * The latest handoff of the stage, rendered (core/handoff/render.ts): the continuation of a
   * session that handed off starts from it, and so does any later session of the stage.
   */
  handoff?: string | undefined;
  session: SessionFacts;
  /** Installed skills that may help with the stage: the signal's last part. */
  skills?: SignalSkills | undefined;
}
