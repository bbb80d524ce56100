/**
 * Pull-request reconciliation, decided (pure): what a stage's pull request means for the stage,
 * from what `gh pr view` says or, without `gh`, from git ancestry alone (squash and rebase
 * merges leave none, so `gh` is asked first whenever it is there). And the reasons `flux status`
 * shows while Flux waits.
 */

export type PullObservation =
  /** `gh pr view --json state,mergedAt,mergeCommit`. */
  | {
      kind: "gh";
      state: "OPEN" | "CLOSED" | "MERGED";
      mergeCommit: string | null;
      /** The remote base's tip after a fetch, when one was made. */
      remoteBase: string | undefined;
    }
  /** No `gh`: whether the pushed commit is on the fetched remote base. */
  | { kind: "ancestry"; onRemoteBase: boolean; remoteBase: string | undefined };

export type PullDecision =
  | { kind: "open" }
  /** Merged on the remote: `mergeCommit` is the commit to record (the PR's, or the base tip). */
  | { kind: "merged"; mergeCommit: string }
  | { kind: "closed" };

export function decidePull(observation: PullObservation): PullDecision {
  if (observation.kind === "ancestry") {
    if (!observation.onRemoteBase || observation.remoteBase === undefined) return { kind: "open" };
    return { kind: "merged", mergeCommit: observation.remoteBase };
  }
  switch (observation.state) {
    case "OPEN":
      return { kind: "open" };
    case "CLOSED":
      return { kind: "closed" };
    case "MERGED": {
      const commit = observation.mergeCommit ?? observation.remoteBase;
      // Merged, but neither gh nor the remote names a commit yet: look again next time.
      return commit === undefined ? { kind: "open" } : { kind: "merged", mergeCommit: commit };
    }
  }
}

export interface PullRef {
  stageId: string;
  number: number | null;
  url: string | null;
  branch: string;
  remote: string;
  baseBranch: string;
}

/** "pull request #12" or, when nobody told Flux its number, the branch pushed. */
export function pullName(pr: PullRef): string {
  return pr.number === null ? `${pr.remote}/${pr.branch}` : `pull request #${pr.number}`;
}

/** The stage's reason while its pull request is open. */
export function openReason(pr: PullRef): string {
  if (pr.number === null)
    return `pushed to ${pr.remote}/${pr.branch}; no gh to open a pull request (not installed, or the remote is not on GitHub): open one into ${pr.baseBranch} yourself. Flux marks the stage merged once its commit is on ${pr.remote}/${pr.baseBranch} (\`flux merge ${pr.stageId}\` looks now)`;
  return `pull request #${pr.number} open: ${pr.url ?? ""} — merged there, the stage merges here (\`flux merge ${pr.stageId}\` looks now)`;
}

/** The stage's reason when its pull request was closed unmerged (it is blocked). */
export function closedReason(pr: PullRef): string {
  return `pull request #${pr.number ?? "?"} was closed without merging: ${pr.url ?? pr.branch}. Reopen it and run \`flux merge ${pr.stageId}\`, or \`flux stage ${pr.stageId} reset\` to redo the stage`;
}
