/**
 * Numbered schema migrations. Append only: a released migration is never edited, a new one is
 * added. `user_version` records the last one applied.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "plans, stages, edges, sessions, events",
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE plans (
        id           INTEGER PRIMARY KEY,
        file         TEXT NOT NULL,
        title        TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        base_branch  TEXT NOT NULL,
        spec         TEXT NOT NULL,
        active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX plans_one_active ON plans (active) WHERE active = 1;

      CREATE TABLE stages (
        plan_id      INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
        id           TEXT NOT NULL,
        position     INTEGER NOT NULL,
        state        TEXT NOT NULL,
        spec         TEXT NOT NULL,
        spec_hash    TEXT NOT NULL,
        retries      INTEGER NOT NULL DEFAULT 0,
        fix_attempts INTEGER NOT NULL DEFAULT 0,
        reason       TEXT,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (plan_id, id)
      ) STRICT;

      CREATE TABLE edges (
        plan_id    INTEGER NOT NULL,
        dependency TEXT NOT NULL,
        dependent  TEXT NOT NULL,
        PRIMARY KEY (plan_id, dependency, dependent),
        FOREIGN KEY (plan_id, dependency) REFERENCES stages (plan_id, id) ON DELETE CASCADE,
        FOREIGN KEY (plan_id, dependent) REFERENCES stages (plan_id, id) ON DELETE CASCADE
      ) STRICT;

      CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        plan_id    INTEGER NOT NULL,
        stage_id   TEXT NOT NULL,
        status     TEXT NOT NULL,
        agent      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        FOREIGN KEY (plan_id, stage_id) REFERENCES stages (plan_id, id) ON DELETE CASCADE
      ) STRICT;

      CREATE TABLE events (
        seq      INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,
        type     TEXT NOT NULL,
        plan_id  INTEGER,
        stage_id TEXT,
        data     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX events_stage ON events (plan_id, stage_id, seq);

      -- The event log is append-only.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    `,
  },
  {
    version: 2,
    name: "engine: session details, acceptance evidence, stage merge facts",
    sql: `
      ALTER TABLE sessions ADD COLUMN backend TEXT NOT NULL DEFAULT 'tmux';
      ALTER TABLE sessions ADD COLUMN name TEXT NOT NULL DEFAULT '';
      ALTER TABLE sessions ADD COLUMN token_hash TEXT NOT NULL DEFAULT '';
      ALTER TABLE sessions ADD COLUMN purpose TEXT NOT NULL DEFAULT 'start';
      ALTER TABLE sessions ADD COLUMN pid INTEGER;
      ALTER TABLE sessions ADD COLUMN exit_code INTEGER;
      ALTER TABLE sessions ADD COLUMN exit_signal TEXT;
      ALTER TABLE sessions ADD COLUMN ended_at TEXT;
      CREATE INDEX sessions_stage ON sessions (plan_id, stage_id, created_at);
      CREATE UNIQUE INDEX sessions_token ON sessions (token_hash) WHERE token_hash <> '';

      ALTER TABLE stages ADD COLUMN passed_commit TEXT;
      ALTER TABLE stages ADD COLUMN merge_commit TEXT;
      ALTER TABLE stages ADD COLUMN feedback TEXT;

      CREATE TABLE acceptance_runs (
        id          INTEGER PRIMARY KEY,
        plan_id     INTEGER NOT NULL,
        stage_id    TEXT NOT NULL,
        session_id  TEXT,
        trigger     TEXT NOT NULL,
        commit_sha  TEXT NOT NULL,
        passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
        duration_ms INTEGER NOT NULL,
        checks      TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        FOREIGN KEY (plan_id, stage_id) REFERENCES stages (plan_id, id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX acceptance_stage ON acceptance_runs (plan_id, stage_id, id);
    `,
  },
  {
    version: 3,
    name: "session telemetry: agent session id, usage, context, cost, result",
    sql: `
      ALTER TABLE sessions ADD COLUMN agent_session_id TEXT;
      ALTER TABLE sessions ADD COLUMN model TEXT;
      ALTER TABLE sessions ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN cache_creation_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN context_tokens INTEGER;
      ALTER TABLE sessions ADD COLUMN cost_usd REAL;
      ALTER TABLE sessions ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN result TEXT;
      ALTER TABLE sessions ADD COLUMN error_class TEXT;
      ALTER TABLE sessions ADD COLUMN error_message TEXT;
      ALTER TABLE sessions ADD COLUMN turns INTEGER;
    `,
  },
  {
    version: 4,
    name: "interactive sessions: waiting for input, Stop hook reminders",
    sql: `
      ALTER TABLE sessions ADD COLUMN interactive INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN waiting_for TEXT;
      ALTER TABLE sessions ADD COLUMN waiting_since TEXT;
      ALTER TABLE sessions ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    name: "what the engine must remember across restarts: the run's scope, per-stage run facts, tasks in flight",
    sql: `
      CREATE TABLE run_scope (
        plan_id INTEGER PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
        stages TEXT,
        manual INTEGER NOT NULL DEFAULT 0,
        max_parallel INTEGER,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE stage_run (
        plan_id INTEGER NOT NULL,
        stage_id TEXT NOT NULL,
        next_purpose TEXT,
        merge_held INTEGER NOT NULL DEFAULT 0,
        manual_command TEXT,
        PRIMARY KEY (plan_id, stage_id),
        FOREIGN KEY (plan_id, stage_id) REFERENCES stages (plan_id, id) ON DELETE CASCADE
      ) STRICT;
      CREATE TABLE stage_tasks (
        plan_id INTEGER NOT NULL,
        stage_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        commit_sha TEXT,
        trigger TEXT,
        session_id TEXT,
        pgid INTEGER,
        pgid_start TEXT,
        started_at TEXT NOT NULL,
        PRIMARY KEY (plan_id, stage_id),
        FOREIGN KEY (plan_id, stage_id) REFERENCES stages (plan_id, id) ON DELETE CASCADE
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: "context: each session's window and level, the handoff asked of it; handoffs",
    sql: `
      ALTER TABLE sessions ADD COLUMN context_window INTEGER;
      ALTER TABLE sessions ADD COLUMN context_level TEXT;
      ALTER TABLE sessions ADD COLUMN context_at TEXT;
      ALTER TABLE sessions ADD COLUMN handoff_asked_at TEXT;
      ALTER TABLE sessions ADD COLUMN handoff_steps INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN compact_blocked INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE handoffs (
        id         INTEGER PRIMARY KEY,
        plan_id    INTEGER NOT NULL,
        stage_id   TEXT NOT NULL,
        number     INTEGER NOT NULL,
        session_id TEXT,
        author     TEXT NOT NULL CHECK (author IN ('agent', 'flux')),
        reason     TEXT NOT NULL,
        body       TEXT NOT NULL,
        facts      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (plan_id, stage_id, number),
        FOREIGN KEY (plan_id, stage_id) REFERENCES stages (plan_id, id) ON DELETE CASCADE
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: "limits: agents under a rate or usage limit, parked stages' deadlines",
    sql: `
      ALTER TABLE stages ADD COLUMN parked_until TEXT;
      CREATE TABLE agent_limits (
        agent       TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('rate_limit', 'usage_limit')),
        until       TEXT NOT NULL,
        message     TEXT NOT NULL,
        session_id  TEXT,
        recorded_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: "health: each failed session's failure class and what it said",
    sql: `
      ALTER TABLE sessions ADD COLUMN failure TEXT;
      ALTER TABLE sessions ADD COLUMN failure_detail TEXT;
    `,
  },
  {
    version: 9,
    name: "health: the warnings raised on each session; its agent's start time (pid reuse)",
    sql: `
      ALTER TABLE sessions ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE sessions ADD COLUMN pid_start TEXT;
    `,
  },
  {
    version: 10,
    name: "predicted conflicts: the latest merge-tree check of each in-flight pair",
    sql: `
      CREATE TABLE predicted_conflicts (
        plan_id    INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
        side_a     TEXT NOT NULL,
        side_b     TEXT NOT NULL,
        b_is_base  INTEGER NOT NULL CHECK (b_is_base IN (0, 1)),
        head_a     TEXT NOT NULL,
        head_b     TEXT NOT NULL,
        files      TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        PRIMARY KEY (plan_id, side_a, side_b, b_is_base)
      ) STRICT;
    `,
  },
  {
    version: 11,
    name: "merge: pr: each stage's pull request, and the commit pushed for it",
    sql: `
      CREATE TABLE pull_requests (
        plan_id     INTEGER NOT NULL,
        stage_id    TEXT NOT NULL,
        remote      TEXT NOT NULL,
        branch      TEXT NOT NULL,
        head_commit TEXT NOT NULL,
        number      INTEGER,
        url         TEXT,
        state       TEXT NOT NULL CHECK (state IN ('open', 'merged', 'closed')),
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (plan_id, stage_id),
        FOREIGN KEY (plan_id, stage_id) REFERENCES stages (plan_id, id) ON DELETE CASCADE
      ) STRICT;
    `,
  },
  {
    version: 12,
    name: "stacked stages: the dependency commit a branch is stacked on, a restack under way",
    sql: `
      ALTER TABLE stages ADD COLUMN stacked_on TEXT;
      ALTER TABLE stages ADD COLUMN restacking TEXT;
    `,
  },
];
