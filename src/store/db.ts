/** The SQLite connection: WAL, busy timeout, foreign keys, migrations applied on open. */
import Database from "better-sqlite3";
import { ExitCode, FluxError, fromSqliteError, fromSystemError } from "../core/errors.ts";
import { MIGRATIONS } from "./migrations.ts";

export type Db = Database.Database;

export interface OpenDbOptions {
  /** Open without creating or migrating (read-only commands). Default false. */
  readonly?: boolean;
  /** How long a writer waits for another process's lock, in ms. Default 10000. */
  busyTimeoutMs?: number;
}

export function openDb(file: string, options: OpenDbOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly === true,
    });
  } catch (error) {
    throw (
      fromSystemError(error) ??
      new FluxError("STORE_OPEN", `cannot open the Flux database ${file}: ${String(error)}`, {
        hint: "run `flux init <plan>` in this repository first",
        exitCode: ExitCode.notFound,
        cause: error,
      })
    );
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    db.pragma("foreign_keys = ON");
    if (!options.readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      migrate(db);
    } else {
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > latestVersion()) throw newerSchema(version);
    }
  } catch (error) {
    // A damaged or read-only file opens fine and fails at its first read or write.
    db.close();
    throw fromSqliteError(error, file) ?? error;
  }
  return db;
}

function latestVersion(): number {
  return MIGRATIONS.at(-1)?.version ?? 0;
}

function newerSchema(version: number): FluxError {
  return new FluxError(
    "STORE_SCHEMA_NEWER",
    `the Flux database has schema version ${version}, newer than this flux understands (${latestVersion()})`,
    { hint: "upgrade flux", exitCode: ExitCode.environment },
  );
}

/** Applies pending migrations, each in its own immediate transaction (safe across processes). */
export function migrate(db: Db): void {
  for (const migration of MIGRATIONS) {
    const apply = db.transaction(() => {
      const current = db.pragma("user_version", { simple: true }) as number;
      if (current > latestVersion()) throw newerSchema(current);
      if (current >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    });
    apply.immediate();
  }
}
