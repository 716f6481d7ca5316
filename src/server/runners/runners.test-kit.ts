/** Shared helpers of the runner tests: temp dirs, executable scripts, process checks, waiting. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunnerEnvironment } from './runner.js'

export const testEnv = (overrides: Partial<RunnerEnvironment> = {}): RunnerEnvironment => ({
  openclawDirs: [],
  log: { warn() {} },
  ...overrides,
})

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix = 'swb-runner-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Writes an executable Node script (run by this Node) and returns its path. */
export function writeNodeScript(dir: string, name: string, source: string): string {
  const path = join(dir, name)
  writeFileSync(path, `#!${process.execPath}\n${source}\n`)
  chmodSync(path, 0o755)
  return path
}

/** Whether a process is gone; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return true
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

/** Polls until the check holds; fails after `timeoutMs` (generous: tests must not depend on speed). */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A promise with its resolver outside, for events a test waits on. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}
