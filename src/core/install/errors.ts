/** Catalogue entries of `flux install`, `uninstall` and `self-update` (codes in core/errors/codes.ts). */
import { FluxError } from "../errors.ts";

/** Files left alone: the user's own at a path Flux wants, or edited since Flux wrote them. */
export function installConflict(
  paths: readonly string[],
  verb: "install" | "uninstall",
): FluxError {
  const shown =
    paths.slice(0, 5).join(", ") + (paths.length > 5 ? `, … (${paths.length} in all)` : "");
  return new FluxError(
    "INSTALL_CONFLICT",
    `${verb === "install" ? "flux install" : "flux uninstall"} left ${paths.length} file(s) alone: ${shown}`,
    {
      hint:
        verb === "install"
          ? "they are yours or you edited them; move them away, or `flux install --force` to replace them"
          : "you edited them since Flux wrote them; `flux uninstall --force` removes them anyway",
      data: { paths: [...paths] },
    },
  );
}

export function selfUpdateNotPublished(name: string): FluxError {
  return new FluxError(
    "SELF_UPDATE_NOT_PUBLISHED",
    `${name} is not published on the npm registry (404)`,
    {
      hint: "update from a tarball or a checkout: `flux self-update --from <file.tgz|dir>`",
      data: { package: name },
    },
  );
}

export function selfUpdateNoPrefix(root: string): FluxError {
  return new FluxError(
    "SELF_UPDATE_NO_PREFIX",
    `this flux runs from ${root}, which is not a global npm install`,
    {
      hint: "in a checkout: `git pull && npm install && npm run build`; or name the npm prefix with `--prefix <dir>`",
      data: { root },
    },
  );
}

export function selfUpdateFailed(
  command: readonly string[],
  code: number | null,
  stderr: string,
): FluxError {
  return new FluxError(
    "SELF_UPDATE_FAILED",
    `${command.join(" ")} failed (exit ${code ?? "signal"}): ${stderr.trim().split("\n").slice(-3).join(" / ")}`,
    {
      hint: "run that command yourself to see the whole message",
      data: { command: [...command], exitCode: code },
    },
  );
}
