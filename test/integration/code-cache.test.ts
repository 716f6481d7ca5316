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

  it('ignores a damaged cache and replaces it', async () => {
    writeFileSync(cacheFile, 'not a code cache')
    expect((await version()).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    await serveUntil(cachedOtherThan('not a code cache'), 'the damaged cache to be replaced')
  })
})
