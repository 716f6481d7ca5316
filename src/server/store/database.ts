/**
 * The store: Kysely over embedded SQLite (better-sqlite3, WAL) by default, PostgreSQL when a
 * `DATABASE_URL` is given. Migrations run on open.
 */
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Generated } from 'kysely'
import { makeDataDir } from './data-dir.js'
import { migrations } from './migrations.js'

export interface CheckpointTable {
  key: string
  position: string
  updated_at: number
}

export interface AgentSnapshotTable {
  agent_id: string
  facts: string
  /** The agent's judged status as served (JSON), saved with the facts it came from. */
  view: string | null
  /** When `view` was judged (its clock-driven changes are due after that). */
  judged_at: number | null
  updated_at: number
}

export interface ModelSwitchTable {
  id: string
  agent_id: string
  from_model: string
  to_model: string
  reason: string
  timestamp: number
  session_id: string | null
  run_id: string | null
  http_status: number | null
  source: string
  message: string | null
}

export interface KeyValueTable {
  key: string
  value: string
  updated_at: number
}

/** Agents registered to send heartbeats (seed 003). */
export interface HostAgentTable {
  agent_id: string
  agent_name: string
  pool_id: string
  /** JSON array of strings. */
  tags: string
  created_at: number
  last_seen_at: number | null
}

/** App keys of host agents; the secret is kept only as its SHA-256 (it is 256 random bits, not a password). */
export interface HostCredentialTable {
  app_key: string
  agent_id: string
  secret_sha256: string
  created_at: number
  last_used_at: number | null
}

/** Agent tests and workflow runs (seed 002). Times are epoch ms; `meta` and `steps` are JSON. */
export interface ExecutionTable {
  id: Generated<number>
  execution_type: string
  status: string
  agent_id: string | null
  workflow_id: number | null
  runner: string | null
  test_input: string | null
  test_output: string | null
  error_message: string | null
  meta: string | null
  progress: number | null
  steps: string
  started_by: string | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  updated_at: number
}

/** How each agent's tests run: a runner config (JSON). */
export interface AgentRunnerTable {
  agent_id: string
  config: string
  updated_at: number
}

/** Stored workflows (seed 002): `steps` is the JSON of `WorkflowStep[]`. */
export interface WorkflowTable {
  id: Generated<number>
  name: string
  description: string | null
  steps: string
  created_at: number
  updated_at: number
}

/** Task lists agents posted for a conversation (seed 001): `tasks` is the JSON of `Task[]`. */
export interface ConversationTaskTable {
  conversation_id: string
  agent_id: string
  tasks: string
  result: string | null
  created_at: number
  updated_at: number
}

export interface Database {
  ingest_checkpoints: CheckpointTable
  agent_snapshots: AgentSnapshotTable
  model_switches: ModelSwitchTable
  kv: KeyValueTable
  host_agents: HostAgentTable
  host_credentials: HostCredentialTable
  executions: ExecutionTable
  agent_runners: AgentRunnerTable
  workflows: WorkflowTable
  conversation_tasks: ConversationTaskTable
}

export type Dialect = 'sqlite' | 'postgres'

export interface StoreOptions {
  /** `postgres://…` to use PostgreSQL. Default is embedded SQLite under `dataDir`. */
  databaseUrl?: string
  /** Where the SQLite file lives (`switchboard.db`). */
  dataDir: string
}

export interface Store {
  db: Kysely<Database>
  dialect: Dialect
  close(): Promise<void>
}

export async function openStore(options: StoreOptions): Promise<Store> {
  let db: Kysely<Database>
  let dialect: Dialect
  if (options.databaseUrl && !/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    // Not a silent fall back to SQLite: the operator asked for another database.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(options.databaseUrl)?.[1] ?? 'no scheme'
    throw new Error(
      `the database URL (--database-url or DATABASE_URL) must be postgres:// or postgresql://, not ${scheme}; leave it unset to use SQLite in the data dir`,
    )
  }
  if (options.databaseUrl) {
    // Loaded only when asked for: most installs never need a PostgreSQL driver in memory.
    const { default: pg } = await import('pg')
    // BIGINT columns hold epoch milliseconds: they fit in a JS number.
    pg.types.setTypeParser(20, (v) => Number(v))
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.databaseUrl, max: 10 }) }),
    })
    dialect = 'postgres'
  } else {
    makeDataDir(options.dataDir)
    const filePath = path.join(options.dataDir, 'switchboard.db')
    const file = new SQLite(filePath)
    try {
      file.pragma('journal_mode = WAL')
    } catch (err) {
      file.close()
      // Opening is lazy: the first statement is where a damaged or foreign file shows.
      throw new Error(
        `the store ${filePath} cannot be read (${err instanceof Error ? err.message : String(err)}): move it aside to start with an empty store, or put a backup in its place`,
      )
    }
    file.pragma('synchronous = NORMAL')
    file.pragma('busy_timeout = 5000')
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) })
    dialect = 'sqlite'
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
  })
  const { error, results } = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error || failed) {
    await db.destroy()
    throw new Error(`Database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`)
  }
  return { db, dialect, close: () => db.destroy() }
}
