/** Versioned schema migrations, run in order on start. Never edit one that has shipped: add a new one. */
import { type Kysely, type Migration } from 'kysely'
import type { Dialect } from './database.js'

export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_ingest_and_model_status': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('ingest_checkpoints')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('position', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('agent_snapshots')
          .addColumn('agent_id', 'text', (c) => c.primaryKey())
          .addColumn('facts', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('model_switches')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('from_model', 'text', (c) => c.notNull())
          .addColumn('to_model', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('timestamp', 'bigint', (c) => c.notNull())
          .addColumn('session_id', 'text')
          .addColumn('run_id', 'text')
          .addColumn('http_status', 'integer')
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('message', 'text')
          .execute()
        await db.schema
          .createIndex('model_switches_agent_time')
          .on('model_switches')
          .columns(['agent_id', 'timestamp'])
          .execute()
        await db.schema
          .createTable('kv')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
      },
      async down(db: Kysely<unknown>) {
        for (const t of ['kv', 'model_switches', 'agent_snapshots', 'ingest_checkpoints']) await db.schema.dropTable(t).execute()
      },
    },
    // The judged read model of each agent, saved with its facts: a restart serves it at once.
    '0002_agent_views': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('agent_snapshots').addColumn('view', 'text').execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable('agent_snapshots').dropColumn('view').execute()
      },
    },
    // Seed 003: agents that send heartbeats, and their credentials. Metrics themselves are not kept (seed).
    '0003_host_agents': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('host_agents')
          .addColumn('agent_id', 'text', (c) => c.primaryKey())
          .addColumn('agent_name', 'text', (c) => c.notNull())
          .addColumn('pool_id', 'text', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint')
          .execute()
        await db.schema.createIndex('host_agents_pool').on('host_agents').column('pool_id').execute()
        await db.schema
          .createTable('host_credentials')
          .addColumn('app_key', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull().references('host_agents.agent_id').onDelete('cascade'))
          .addColumn('secret_sha256', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint')
          .execute()
        await db.schema.createIndex('host_credentials_agent').on('host_credentials').column('agent_id').execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('host_credentials').execute()
        await db.schema.dropTable('host_agents').execute()
      },
    },
    // Seed 002: executions (agent tests, workflow runs) and the runner of each agent.
    '0004_executions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('executions')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('execution_type', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text')
          .addColumn('workflow_id', 'integer')
          .addColumn('runner', 'text')
          .addColumn('test_input', 'text')
          .addColumn('test_output', 'text')
          .addColumn('error_message', 'text')
          .addColumn('meta', 'text')
          .addColumn('progress', 'real')
          .addColumn('steps', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('started_by', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('started_at', 'bigint')
          .addColumn('finished_at', 'bigint')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('executions_type').on('executions').column('execution_type').execute()
        await db.schema.createIndex('executions_agent').on('executions').column('agent_id').execute()
        await db.schema.createIndex('executions_status').on('executions').column('status').execute()
        await db.schema
          .createTable('agent_runners')
          .addColumn('agent_id', 'text', (c) => c.primaryKey())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('agent_runners').execute()
        await db.schema.dropTable('executions').execute()
      },
    },
    '0005_workflows': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('workflows')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text')
          .addColumn('steps', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('executions_workflow').on('executions').column('workflow_id').execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('executions_workflow').execute()
        await db.schema.dropTable('workflows').execute()
      },
    },
    '0006_conversation_tasks': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('conversation_tasks')
          .addColumn('conversation_id', 'text', (c) => c.primaryKey())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('tasks', 'text', (c) => c.notNull())
          .addColumn('result', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('conversation_tasks').execute()
      },
    },
    // When each saved view was judged: a restart judges again only the views a deadline (a cooldown's
    // end, say) has passed since.
    '0007_agent_view_judged_at': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('agent_snapshots').addColumn('judged_at', 'bigint').execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable('agent_snapshots').dropColumn('judged_at').execute()
      },
    },
  }
}
