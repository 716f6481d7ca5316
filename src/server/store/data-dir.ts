/**
 * The data dir: where the token and the SQLite store live. Made one level at a time rather than
 * with `mkdirSync(…, { recursive: true })`, which in Node 20 spins forever at full CPU where the
 * system answers ENOENT under a parent that exists (`/proc/x`, `/sys/x`): a mistyped
 * `--data-dir` then gives a clear error instead of a server that never starts.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'

/** Creates `dir` and its missing parents (mode 0700); throws an error naming `dir` if it cannot. */
export function makeDataDir(dir: string): void {
  const target = path.resolve(dir)
  const missing: string[] = []
  let at = target
  while (!existsSync(at)) {
    missing.unshift(at)
    const up = path.dirname(at)
    if (up === at) break
    at = up
  }
  if (missing.length === 0) {
    if (!statSync(target).isDirectory()) throw new Error(`the data dir ${target} is not a directory`)
    return
  }
  for (const level of missing) {
    try {
      mkdirSync(level, { mode: 0o700 })
    } catch (err) {
      // Made meanwhile by another process: fine, as long as it is a directory.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(level).isDirectory()) continue
      throw new Error(`cannot create the data dir ${target}: ${(err as Error).message}`)
    }
  }
}
