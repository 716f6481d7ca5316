/**
 * `bin/switchboard.js` runs the bundle with V8's code cache beside it. Run from a copy of the
 * built files, so the repository's own cache is left alone: a start without a cache writes one, a
 * start with it runs, and a damaged cache is ignored (and replaced), never fatal.
 */
import { execFile, spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropPostgresDatabases, freshPostgresDatabase, POSTGRES_REQUESTED } from '../helpers/postgres.js'
import { removeTempDirs, repoRoot, tempDir, waitFor } from '../helpers/test-server.js'

const run = promisify(execFile)
let root: string
let cacheFile: string

beforeAll(async () => {
  root = await tempDir('swb-code-cache-')
  mkdirSync(path.join(root, 'bin'))
  mkdirSync(path.join(root, 'dist', 'server', 'cli'), { recursive: true })
  copyFileSync(path.join(repoRoot, 'bin', 'switchboard.js'), path.join(root, 'bin', 'switchboard.js'))
  for (const f of ['main.cjs', 'transcript-parse.worker.js']) copyFileSync(path.join(repoRoot, 'dist', 'server', 'cli', f), path.join(root, 'dist', 'server', 'cli', f))
  copyFileSync(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'))
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'))
  cacheFile = path.join(root, 'dist', 'server', 'cli', 'main.cjs.cache')
})

afterAll(async () => {
  await removeTempDirs()
})

const version = (): Promise<{ stdout: string }> => run(process.execPath, [path.join(root, 'bin', 'switchboard.js'), '--version'], { timeout: 20_000 })

/** Starts the server from the copy and stops it once `done` holds. */
async function serveUntil(done: () => boolean, what: string): Promise<void> {
  const data = await tempDir('swb-code-cache-data-')
  const args = ['serve', '--port', '0', '--data-dir', data, '--openclaw-dir', path.join(data, 'none'), '--log-level', 'warn']
  const child = spawn(process.execPath, [path.join(root, 'bin', 'switchboard.js'), ...args], { stdio: 'ignore' })
  try {
    await waitFor(done, what, 20_000)
  } finally {
    child.kill('SIGKILL')
  }
}

const TOKEN = 'tok-code-cache-test'
afterAll(dropPostgresDatabases)

/** Serves from the copy (with its code cache) on `data`, or on PostgreSQL when `databaseUrl` is given. */
async function serveCached(data: string, databaseUrl?: string): Promise<{ url: string; stderr(): string; stop(): Promise<void> }> {
  const args = ['serve', '--port', '0', '--data-dir', data, '--openclaw-dir', path.join(data, 'none'), '--token', TOKEN, '--log-level', 'warn']
  if (databaseUrl) args.push('--database-url', databaseUrl)
  const child = spawn(process.execPath, [path.join(root, 'bin', 'switchboard.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    const started = await waitFor(
      () => {
        const url = /serving on (http:\/\/\S+)/.exec(out)?.[1]
        if (url) return { url }
        return child.exitCode !== null ? { url: null } : undefined
      },
      'the server to start',
      20_000,
    )
    const url = started.url
    if (url === null) throw new Error(`the server exited: ${err}`)
    return {
      url,
      stderr: () => err,
      stop: async () => {
        child.kill('SIGTERM')
        await exited
      },
    }
  } catch (e) {
    child.kill('SIGKILL')
    throw new Error(`${String(e)}\n${err}`)
  }
}

const cacheText = (): string | null => {
  try {
    return readFileSync(cacheFile, 'latin1')
  } catch {
    return null
  }
}

/** A cache other than `before`, of a plausible size (V8's cache of a 1.5 MB bundle). */
const cachedOtherThan = (before: string | null) => (): boolean => {
  const now = cacheText()
  return now !== null && now !== before && now.length > 100_000
}

describe('the code cache of bin/switchboard.js', () => {
  it('is written after a start without one, and kept by a start that uses it', async () => {
    expect((await version()).stdout.trim()).toBe((JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version)
    await serveUntil(cachedOtherThan(null), 'the code cache to be written')
    const written = statSync(cacheFile).mtimeMs
    const since = Date.now()
    // Well past the moment a start without a valid cache writes one.
    await serveUntil(() => Date.now() - since > 4_000, 'a few seconds')
    expect(statSync(cacheFile).mtimeMs).toBe(written)
    expect((await version()).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  // On Node 20 a script compiled from a code cache cannot load an `import()`: the bundle had one
  // for the PostgreSQL driver, so `--database-url` failed on every start but the first.
  it('opens the store from the cached bundle, twice, keeping what was written: SQLite, and PostgreSQL in the PostgreSQL suite', async () => {
    await serveUntil(cachedOtherThan(null), 'the code cache to be written')
    const databaseUrl = POSTGRES_REQUESTED ? await freshPostgresDatabase('swb_code_cache') : undefined
    const data = await tempDir('swb-code-cache-store-')
    for (const id of ['first-host', 'second-host']) {
      const server = await serveCached(data, databaseUrl)
      try {
        const created = await fetch(`${server.url}/api/v1/agents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ agent_id: id }),
        })
        expect(created.status).toBe(201)
        const listed = (await (await fetch(`${server.url}/api/v1/agents`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { agents: { agent_id: string }[] }
        expect(listed.agents.map((a) => a.agent_id).sort()).toEqual(id === 'first-host' ? ['first-host'] : ['first-host', 'second-host'])
      } finally {
        await server.stop()
      }
      expect(server.stderr()).not.toMatch(/dynamic import|ExperimentalWarning/)
    }
  })

  it('ignores a damaged cache and replaces it', async () => {
    writeFileSync(cacheFile, 'not a code cache')
    expect((await version()).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    await serveUntil(cachedOtherThan('not a code cache'), 'the damaged cache to be replaced')
  })
})
