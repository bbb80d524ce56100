/**
 * The pull request of each `merge: pr` stage (`pull_requests`): where its branch was pushed, the
 * commit pushed, the pull request's number and address (none when `gh` is absent and the user
 * opens it), and what Flux last knew of it. Written as soon as the pull request exists, so a
 * restarted daemon looks at the same one instead of opening a second.
 */
import type { Store } from "./store.ts";

export type PullRequestState = "open" | "merged" | "closed";

export interface PullRequestRecord {
  stageId: string;
  remote: string;
  branch: string;
  /** The commit pushed (the one that passed acceptance). */
  headCommit: string;
  /** Null when no `gh` opened it: the merge is then recognised by ancestry. */
  number: number | null;
  url: string | null;
  state: PullRequestState;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  stage_id: string;
  remote: string;
  branch: string;
  head_commit: string;
  number: number | null;
  url: string | null;
  state: PullRequestState;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): PullRequestRecord {
  return {
    stageId: r.stage_id,
    remote: r.remote,
    branch: r.branch,
    headCommit: r.head_commit,
    number: r.number,
    url: r.url,
    state: r.state,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function pullRequestOf(
  store: Store,
  planId: number,
  stageId: string,
): PullRequestRecord | undefined {
  const row = store.db
    .prepare("SELECT * FROM pull_requests WHERE plan_id = ? AND stage_id = ?")
    .get(planId, stageId) as Row | undefined;
  return row === undefined ? undefined : fromRow(row);
}

/** Every stage's pull request in the plan (`flux status` shows them). */
export function pullRequests(store: Store, planId: number): PullRequestRecord[] {
  const rows = store.db
    .prepare("SELECT * FROM pull_requests WHERE plan_id = ? ORDER BY stage_id")
    .all(planId) as Row[];
  return rows.map(fromRow);
}

/** The pull requests Flux still waits on (merged or closed ones need no look). */
export function openPullRequests(store: Store, planId: number): PullRequestRecord[] {
  const rows = store.db
    .prepare("SELECT * FROM pull_requests WHERE plan_id = ? AND state = 'open' ORDER BY stage_id")
    .all(planId) as Row[];
  return rows.map(fromRow);
}

/** Records (or replaces) a stage's pull request. */
export function savePullRequest(
  store: Store,
  planId: number,
  pr: Omit<PullRequestRecord, "createdAt" | "updatedAt">,
): void {
  const now = store.now();
  store.db
    .prepare(
      `INSERT INTO pull_requests
         (plan_id, stage_id, remote, branch, head_commit, number, url, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (plan_id, stage_id) DO UPDATE SET remote = excluded.remote,
         branch = excluded.branch, head_commit = excluded.head_commit, number = excluded.number,
         url = excluded.url, state = excluded.state, updated_at = excluded.updated_at`,
    )
    .run(
      planId,
      pr.stageId,
      pr.remote,
      pr.branch,
      pr.headCommit,
      pr.number,
      pr.url,
      pr.state,
      now,
      now,
    );
}

export function setPullRequestState(
  store: Store,
  planId: number,
  stageId: string,
  state: PullRequestState,
): void {
  store.db
    .prepare(
      "UPDATE pull_requests SET state = ?, updated_at = ? WHERE plan_id = ? AND stage_id = ?",
    )
    .run(state, store.now(), planId, stageId);
}
