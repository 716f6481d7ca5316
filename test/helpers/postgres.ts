/**
 * PostgreSQL for the suites that ask for it (`SWB_TEST_DIALECTS=postgres`, as `npm run test:pg`
 * sets): a new database per use, dropped afterwards. An unreachable server fails loudly.
 */
import pg from 'pg'

export const TEST_DIALECTS = (process.env.SWB_TEST_DIALECTS ?? 'sqlite').split(',').map((d) => d.trim())
export const POSTGRES_REQUESTED = TEST_DIALECTS.includes('postgres')
const PG_URL = process.env.SWB_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const created: string[] = []
let counter = 0

/** The URL of a new, empty database on the test server. */
export async function freshPostgresDatabase(prefix = 'swb_test'): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now()}_${++counter}`
  const client = new pg.Client({ connectionString: PG_URL })
  try {
    await client.connect()
  } catch (err) {
    throw new Error(
      `PostgreSQL tests were requested but ${PG_URL} is unreachable (${String(err)}). ` +
        `Start it (e.g. pg_ctlcluster 15 main start) or set SWB_TEST_DATABASE_URL.`,
    )
  }
  await client.query(`CREATE DATABASE ${name}`)
  await client.end()
  created.push(name)
  const url = new URL(PG_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** Drops every database made by {@link freshPostgresDatabase} in this process (for `afterAll`). */
export async function dropPostgresDatabases(): Promise<void> {
  if (created.length === 0) return
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  for (const name of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name}`)
  await client.end()
}
