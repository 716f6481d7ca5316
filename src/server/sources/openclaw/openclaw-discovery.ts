/** Where OpenClaw keeps its state on this machine. */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export interface DiscoveryOptions {
  /** Explicit state dirs; when non-empty nothing else is looked at. */
  stateDirs: string[]
  /** Environment to read `OPENCLAW_STATE_DIR` from. Default is `process.env`. */
  env?: Record<string, string | undefined>
  /** Home directory holding `~/.openclaw` and `~/.openclaw-<profile>`. Default is `os.homedir()`. */
  homeDir?: string
}

export interface DiscoveryResult {
  /** Existing state dirs, in the order they were found. */
  found: string[]
  /** Every place that was looked at (for the UI's empty state), found or not. */
  lookedAt: string[]
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

const PROFILE_DIR = /^\.openclaw-[A-Za-z0-9._-]+$/

/**
 * Explicit dirs, else `OPENCLAW_STATE_DIR`, else `~/.openclaw` plus profile dirs `~/.openclaw-<name>`.
 */
export function discoverOpenClawStateDirs(options: DiscoveryOptions): DiscoveryResult {
  if (options.stateDirs.length > 0) {
    const lookedAt = [...new Set(options.stateDirs.map((d) => resolve(d)))]
    return { found: lookedAt.filter(isDir), lookedAt }
  }
  const env = options.env ?? process.env
  const fromEnv = env.OPENCLAW_STATE_DIR?.trim()
  if (fromEnv) {
    const dir = resolve(fromEnv)
    return { found: isDir(dir) ? [dir] : [], lookedAt: [dir] }
  }
  const home = options.homeDir ?? homedir()
  const main = join(home, '.openclaw')
  const lookedAt = [main]
  const found = isDir(main) ? [main] : []
  let names: string[] = []
  try {
    names = existsSync(home) ? readdirSync(home) : []
  } catch {
    names = []
  }
  for (const name of names.sort()) {
    if (!PROFILE_DIR.test(name)) continue
    const dir = join(home, name)
    if (!isDir(dir)) continue
    lookedAt.push(dir)
    found.push(dir)
  }
  if (found.length === 0) lookedAt.push(join(home, '.openclaw-<profile>'))
  return { found, lookedAt }
}
