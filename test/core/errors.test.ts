import fs from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ERROR_EXIT_CODES,
  ExitCode,
  FLUX_ERROR_CODES,
  FluxError,
  daemonGone,
  forbidden,
  gitMissing,
  gitTooOld,
  isFluxErrorCode,
  refusedInSession,
  rejectionNeedsReason,
  sessionNotFound,
  stageBusy,
  stageIdInvalid,
  stageNotFound,
  tmuxTooOld,
} from "../../src/core/errors.ts";
import { MIN_GIT_VERSION, MIN_TMUX_VERSION } from "../../src/core/requirements.ts";

/** The "Error codes" table of docs/cli.md: code → its exit column. */
function documentedCodes(): Map<string, string> {
  const doc = fs.readFileSync(new URL("../../docs/cli.md", import.meta.url), "utf8");
  const section = doc.split(/^## Error codes$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|/gm))
    rows.set(match[1] ?? "", match[2] ?? "");
  return rows;
}

describe("the error catalogue", () => {
  const documented = documentedCodes();

  it("documents every code, with its exit code, in docs/cli.md", () => {
    expect(documented.size).toBeGreaterThan(50);
    const missing = FLUX_ERROR_CODES.filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
    const wrongExit = FLUX_ERROR_CODES.filter(
      (code) => documented.get(code) !== String(ERROR_EXIT_CODES[code]),
    );
    expect(wrongExit).toEqual([]);
  });

  it("documents no code the union lacks", () => {
    const extra = [...documented.keys()].filter(
      (code) => code !== "HTTP_<status>" && !isFluxErrorCode(code),
    );
    expect(extra).toEqual([]);
    expect(documented.get("HTTP_<status>")).toBe("by status");
  });

  it("keeps the list sorted, so a new code has one obvious place", () => {
    expect([...FLUX_ERROR_CODES]).toEqual([...FLUX_ERROR_CODES].sort());
  });

  it("makes a misspelt code a type error", () => {
    // @ts-expect-error: not a code of the catalogue
    const typo = new FluxError("STAGE_NOT_FOUNDD", "typo");
    expect(isFluxErrorCode(typo.code)).toBe(false);
  });

  it("gives an error its code's exit code unless told otherwise", () => {
    expect(new FluxError("STAGE_NOT_FOUND", "x").exitCode).toBe(ExitCode.notFound);
    expect(new FluxError("GIT_FAILED", "x").exitCode).toBe(ExitCode.environment);
    expect(new FluxError("INTERNAL", "x").exitCode).toBe(ExitCode.internal);
    expect(new FluxError("GIT_FAILED", "x", { exitCode: ExitCode.usage }).exitCode).toBe(
      ExitCode.usage,
    );
  });
});

describe("FluxError.fromWire", () => {
  it("restores a known code with the catalogue's exit code, not the status's", () => {
    const body = new FluxError("GIT_MISSING", "git is gone", { hint: "install it" }).toJSON();
    const error = FluxError.fromWire(body, {
      status: 500,
      message: "POST /v1/run failed with 500",
      exitCode: ExitCode.internal,
    });
    expect(error).toBeInstanceOf(FluxError);
    expect(error.code).toBe("GIT_MISSING");
    expect(error.message).toBe("git is gone");
    expect(error.hint).toBe("install it");
    expect(error.exitCode).toBe(ExitCode.environment);
  });

  it("keeps an unknown code as it came, with the fallback's exit code and the rest as data", () => {
    const error = FluxError.fromWire(
      { code: "FROM_A_NEWER_DAEMON", message: "new", stageId: "a" },
      { status: 409, message: "unused", exitCode: ExitCode.refused },
    );
    expect(error.code).toBe("FROM_A_NEWER_DAEMON");
    expect(error.exitCode).toBe(ExitCode.refused);
    expect(error.data).toEqual({ stageId: "a" });
  });

  it("names a reply without a body HTTP_<status>, and a stream line without one INTERNAL", () => {
    const http = FluxError.fromWire(undefined, {
      status: 502,
      message: "GET /v1/health failed with 502",
    });
    expect([http.code, http.message, http.exitCode]).toEqual([
      "HTTP_502",
      "GET /v1/health failed with 502",
      ExitCode.internal,
    ]);
    const line = FluxError.fromWire("not an object", { message: "the daemon reported an error" });
    expect([line.code, line.message]).toEqual(["INTERNAL", "the daemon reported an error"]);
  });
});

describe("factories", () => {
  it("stageNotFound lists the plan's stages and suggests the closest id", () => {
    const error = stageNotFound("backnd", ["frontend", "backend", "docs"]);
    expect(error.code).toBe("STAGE_NOT_FOUND");
    expect(error.message).toBe('no stage "backnd" in the active plan. Did you mean "backend"?');
    expect(error.hint).toBe("stages: frontend, backend, docs");
    expect(error.exitCode).toBe(ExitCode.notFound);
    expect(error.data).toEqual({ stageId: "backnd" });
  });

  it("stageNotFound guesses nothing for short ids, and points at flux status without a list", () => {
    expect(stageNotFound("zz", ["a", "b"]).message).toBe('no stage "zz" in the active plan');
    expect(stageNotFound("x", []).hint).toBe("the plan has no stages");
    expect(stageNotFound("x").hint).toBe("`flux status` lists the stages");
    const many = Array.from({ length: 20 }, (_, i) => `stage-${i}`);
    expect(stageNotFound("zzzzzz", many).hint).toMatch(/^stages: stage-0, .*stage-11, …$/);
  });

  it("gitMissing and gitTooOld name the one minimum version", () => {
    const missing = gitMissing();
    expect([missing.code, missing.exitCode]).toEqual(["GIT_MISSING", ExitCode.environment]);
    expect(missing.hint).toContain(`install git ${MIN_GIT_VERSION} or newer`);
    const old = gitTooOld("2.34.1");
    expect(old.message).toBe(
      `git 2.34.1 is too old: Flux needs ${MIN_GIT_VERSION} or newer (for \`git merge-tree --write-tree\`)`,
    );
    expect(old.exitCode).toBe(ExitCode.environment);
    expect(old.data).toEqual({ version: "2.34.1", minimum: "2.38" });
    expect(tmuxTooOld("3.1c").data).toEqual({ version: "3.1c", minimum: MIN_TMUX_VERSION });
  });

  it("reads the same refusal the same way, at the CLI and at the daemon", () => {
    const other = forbidden.otherStage("api", "web");
    expect([other.code, other.message, other.exitCode]).toEqual([
      "FORBIDDEN",
      "this session works on api, not web",
      ExitCode.refused,
    ]);
    const inside = refusedInSession("flux verify a", "ses_1");
    expect(inside.message).toBe(
      "flux verify a is refused inside a Flux session (FLUX_SESSION_ID=ses_1)",
    );
    expect(inside.exitCode).toBe(ExitCode.refused);
    expect(rejectionNeedsReason(true).message).toBe(
      "--reject needs --reason: it is what the next session works from",
    );
    expect(rejectionNeedsReason().exitCode).toBe(ExitCode.usage);
  });

  it("stageBusy, stageIdInvalid, sessionNotFound and daemonGone carry their codes", () => {
    expect(stageBusy("a", "merge").message).toBe("a is busy: its merge is running");
    expect(stageBusy("a").message).toBe("a is busy with another task");
    expect(stageBusy("a").exitCode).toBe(ExitCode.refused);
    const invalid = stageIdInvalid("Bad Id");
    expect([invalid.code, invalid.exitCode]).toEqual(["STAGE_ID_INVALID", ExitCode.usage]);
    expect(invalid.hint).toContain("at most 63 characters");
    expect(sessionNotFound("watched").message).toBe('no live session for "watched"');
    expect(sessionNotFound("watched").exitCode).toBe(ExitCode.notFound);
    expect(daemonGone("events").exitCode).toBe(ExitCode.environment);
  });
});
