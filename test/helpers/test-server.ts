/**
 * Test helpers: temp copies of the fixtures, a real server process, and polling waits.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export type FixtureName = 'openclaw-2026.9.6' | 'openclaw-2026.4.15'

const temps: string[] = []

export async function tempDir(prefix = 'swb-test-'): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix))
  temps.push(d)
  return d
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })))
}

/** A writable copy of a fixture's `openclaw-home`. */
export async function copyFixture(name: FixtureName): Promise<string> {
  const dest = path.join(await tempDir(`swb-${name}-`), 'openclaw-home')
  await cp(path.join(repoRoot, 'test', 'fixtures', name, 'openclaw-home'), dest, { recursive: true })
  return dest
}

/** The fixture's gateway log, copied. */
export async function copyFixtureLog(name: FixtureName): Promise<string> {
  const dest = path.join(await tempDir(`swb-${name}-log-`), 'openclaw-2026-11-22.log')
  await cp(path.join(repoRoot, 'test', 'fixtures', name, 'gateway-log', 'openclaw-2026-11-22.log'), dest)
  return dest
}

export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export interface ServerProcess {
  url: string
  token: string
  dataDir: string
  child: ChildProcess
  output(): string
  /** SIGTERM and wait. */
  close(): Promise<void>
  /** SIGKILL and wait: no chance to save. */
  kill(): Promise<void>
}

/**
 * Starts `bin/switchboard.js serve` (the built server, as users run it) and waits until the first
 * read is done. Needs `npm run build:server` (the test setup does it).
 */
export async function startServer(opts: {
  openclawDirs: string[]
  openclawLogs?: string[]
  /** `null`: start without one, so the server generates (or reuses) the token in its data dir. */
  token?: string | null
  dataDir?: string
  env?: Record<string, string>
  args?: string[]
}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? (await tempDir('swb-data-'))
  const fixedToken = opts.token === null ? null : (opts.token ?? 'test-token-0123456789')
  const args = [
    path.join(repoRoot, 'bin', 'switchboard.js'),
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    ...(fixedToken ? ['--token', fixedToken] : []),
    '--log-level',
    'warn',
    ...opts.openclawDirs.flatMap((d) => ['--openclaw-dir', d]),
    ...(opts.openclawLogs ?? []).flatMap((f) => ['--openclaw-log', f]),
    ...(opts.args ?? []),
  ]
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, OPENCLAW_STATE_DIR: '', HOME: dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`)
      return /serving on (http:\/\/\S+)/.exec(out)?.[1]
    },
    'the server to listen',
    30_000,
  )
  const token = fixedToken ?? (/#\/\?token=(\S+)/.exec(out)?.[1] ?? '')
  await waitFor(async () => {
    const r = await fetch(`${url}/healthz`)
    const body = (await r.json()) as { ingest: { ready: boolean } }
    return body.ingest.ready
  }, 'the first read to finish', 30_000)
  return {
    url,
    token,
    dataDir,
    child,
    output: () => out,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

export async function api<T>(server: { url: string; token: string }, pathname: string): Promise<{ status: number; body: T }> {
  const r = await fetch(`${server.url}${pathname}`, { headers: { authorization: `Bearer ${server.token}` } })
  return { status: r.status, body: (await r.json()) as T }
}
