/**
 * The drafting loop: ask the agent for a plan, check it, send every diagnostic back to the same
 * conversation, at most `rounds` times. The asking, writing and checking are the caller's
 * (options, not imports), so the loop itself is plain control flow.
 */
import type { Diagnostic } from "../diagnostics.ts";
import { extractPlanDocument } from "./document.ts";

export interface AgentAnswer {
  text: string;
  /** The agent's conversation id (Claude session, Codex thread, opencode session). */
  conversation: string;
}

export interface DraftCheck {
  /** True when the plan has no errors (warnings allowed). */
  ok: boolean;
  diagnostics: Diagnostic[];
}

export type DraftProgress =
  | { kind: "asking"; round: number; rounds: number; repair: boolean }
  | { kind: "checked"; round: number; rounds: number; check: DraftCheck };

export interface DraftLoopOptions {
  /** Most rounds (asks) before giving up; at least 1. */
  rounds: number;
  firstPrompt: string;
  repairPrompt(diagnostics: readonly Diagnostic[]): string;
  /** One turn of the conversation: a new one when `conversation` is undefined. */
  ask(prompt: string, conversation: string | undefined): Promise<AgentAnswer>;
  /** Keeps the document (the plan file) and validates it. */
  check(document: string): DraftCheck | Promise<DraftCheck>;
  progress?(event: DraftProgress): void;
}

export interface DraftResult {
  ok: boolean;
  /** Rounds used. */
  rounds: number;
  document: string;
  diagnostics: Diagnostic[];
  conversation: string;
}

export async function draftLoop(options: DraftLoopOptions): Promise<DraftResult> {
  const rounds = Math.max(1, Math.floor(options.rounds));
  let prompt = options.firstPrompt;
  let conversation: string | undefined;
  for (let round = 1; ; round++) {
    options.progress?.({ kind: "asking", round, rounds, repair: conversation !== undefined });
    const answer = await options.ask(prompt, conversation);
    conversation = answer.conversation;
    const document = extractPlanDocument(answer.text);
    const check = await options.check(document);
    options.progress?.({ kind: "checked", round, rounds, check });
    if (check.ok || round >= rounds) {
      return {
        ok: check.ok,
        rounds: round,
        document,
        diagnostics: check.diagnostics,
        conversation,
      };
    }
    prompt = options.repairPrompt(check.diagnostics);
  }
}
