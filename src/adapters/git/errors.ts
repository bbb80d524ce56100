/** Errors shared by the git adapter's modules (not re-exported: callers match on `code`). */
import { ExitCode, FluxError } from "../../core/errors.ts";

export function baseBranchMissing(baseBranch: string): FluxError {
  return new FluxError("BASE_BRANCH_MISSING", `the base branch ${baseBranch} does not exist`, {
    hint: "create it, or set the plan's base branch to an existing one",
    exitCode: ExitCode.notFound,
    data: { baseBranch },
  });
}
