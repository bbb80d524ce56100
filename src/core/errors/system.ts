/**
 * Catalogue: what the machine refused — a full disk, a read-only or damaged database, a path
 * too long — translated from the system's and SQLite's error codes, so the user reads what is
 * wrong and what to do, never "internal error". Pure: it reads the codes the errors carry.
 */
import { FluxError } from "./flux-error.ts";

interface SystemLike {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** Long paths (the ENAMETOOLONG case) are cut for the message. */
function shorten(value: unknown): string {
  const text = typeof value === "string" ? value : "";
  return text.length > 120 ? `${text.slice(0, 100)}…(${text.length} characters)` : text;
}

/** A Node system error (ENOSPC, EACCES…) as a FluxError; undefined for anything else. */
export function fromSystemError(error: unknown): FluxError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as SystemLike;
  const where = e.path === undefined ? "" : ` ${shorten(e.path)}`;
  const action = typeof e.syscall === "string" ? e.syscall : "access";
  switch (e.code) {
    case "ENAMETOOLONG":
      return new FluxError("PATH_TOO_LONG", `a path is too long for the system:${where}`, {
        hint: "use a shorter path or name",
        cause: error,
      });
    case "EACCES":
    case "EPERM":
      return new FluxError("PERMISSION_DENIED", `cannot ${action}${where}: permission denied`, {
        hint: "check its owner and mode (Flux runs as you)",
        cause: error,
      });
    case "EROFS":
      return new FluxError("PERMISSION_DENIED", `cannot ${action}${where}: read-only file system`, {
        hint: "run Flux where it can write (.work/ and .worktrees/ live in the repository)",
        cause: error,
      });
    case "ENOSPC":
    case "EDQUOT":
      return new FluxError("DISK_FULL", `no space left to ${action}${where}`, {
        hint: "free some disk space and run the command again; nothing was half-written",
        cause: error,
      });
    default:
      return undefined;
  }
}

/** A SQLite error (better-sqlite3's `code`) on the Flux database as a FluxError. */
export function fromSqliteError(error: unknown, file: string): FluxError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message } = error as SystemLike;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return undefined;
  const detail = typeof message === "string" ? message : code;
  if (
    code === "SQLITE_NOTADB" ||
    code.startsWith("SQLITE_CORRUPT") ||
    code === "SQLITE_IOERR_SHORT_READ"
  ) {
    return new FluxError("DB_CORRUPT", `the Flux database ${file} is damaged (${detail})`, {
      hint: `move it aside (mv ${file} ${file}.damaged) and run \`flux init <plan>\` again: the work itself is on the flux/* branches`,
      cause: error,
    });
  }
  if (
    code.startsWith("SQLITE_READONLY") ||
    code.startsWith("SQLITE_CANTOPEN") ||
    code === "SQLITE_PERM" ||
    code === "SQLITE_AUTH" ||
    code.startsWith("SQLITE_IOERR")
  ) {
    return new FluxError("DB_READONLY", `cannot write the Flux database ${file} (${detail})`, {
      hint: "make .work/ and .work/flux.db writable by you, on a writable file system",
      cause: error,
    });
  }
  if (code === "SQLITE_FULL") {
    return new FluxError("DISK_FULL", `no space left to write the Flux database ${file}`, {
      hint: "free some disk space and run the command again",
      cause: error,
    });
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new FluxError(
      "DB_LOCKED",
      `another process holds the Flux database ${file} (${detail})`,
      {
        hint: "wait for it, or find it with `fuser .work/flux.db`, then run the command again",
        cause: error,
      },
    );
  }
  return undefined;
}

/** The errors after which a database cannot be trusted: a daemon stops rather than loop on them. */
export function isDamagedDatabase(error: unknown): boolean {
  return error instanceof FluxError
    ? error.code === "DB_CORRUPT"
    : fromSqliteError(error, "")?.code === "DB_CORRUPT";
}
