/**
 * `state/openclaw.sqlite` (2026.8+): the global database whose `agent_databases` table lists every
 * per-agent database. Read-only, one connection, `PRAGMA data_version` to skip unchanged reads.
 */
import { existsSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { isSpecialFile } from './regular-file.js'

export interface AgentDatabaseEntry {
  agentId: string
  /** Absolute path of an existing database file. */
  path: string
}

export interface StateDbReader {
  /** The listed agent databases that exist, or null when nothing changed since the last call. */
  read(): AgentDatabaseEntry[] | null
  close(): void
}

/** The conventional place of an agent's database. */
export function agentDbPath(stateDir: string, agentId: string): string {
  return join(stateDir, 'agents', agentId, 'agent', 'openclaw-agent.sqlite')
}

export function createStateDbReader(stateDir: string): StateDbReader {
  const path = join(stateDir, 'state', 'openclaw.sqlite')
  let db: Database.Database | null = null
  let ino = -1
  let lastDataVersion: number | null = null

  function close(): void {
    try {
      db?.close()
    } catch {
      // The file may be gone already.
    }
    db = null
    lastDataVersion = null
  }

  function read(): AgentDatabaseEntry[] | null {
    try {
      // Something other than a plain file (a FIFO would hold this thread) counts as no database.
      const currentIno = existsSync(path) && !isSpecialFile(path) ? statSync(path).ino : -1
      if (currentIno === -1) {
        const had = db !== null
        close()
        return had ? [] : null
      }
      if (db !== null && currentIno !== ino) close()
      if (db === null) {
        db = new Database(path, { readonly: true, fileMustExist: true, timeout: 250 })
        db.pragma('query_only = ON')
        ino = currentIno
      }
      const version = db.pragma('data_version', { simple: true }) as number
      if (version === lastDataVersion) return null
      lastDataVersion = version
      const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'agent_databases'").get()
      if (!hasTable) return []
      const rows = db.prepare('SELECT agent_id, path FROM agent_databases ORDER BY agent_id').all() as {
        agent_id: unknown
        path: unknown
      }[]
      const out: AgentDatabaseEntry[] = []
      for (const row of rows) {
        if (typeof row.agent_id !== 'string' || row.agent_id === '') continue
        const listed = typeof row.path === 'string' && row.path !== '' ? row.path : null
        // Paths are relative to the state dir; an absolute one may point to a moved install.
        const candidates = [
          listed === null ? null : isAbsolute(listed) ? listed : resolve(stateDir, listed),
          agentDbPath(stateDir, row.agent_id),
        ]
        const found = candidates.find((c): c is string => c !== null && existsSync(c) && !isSpecialFile(c))
        if (found) out.push({ agentId: row.agent_id, path: found })
      }
      return out
    } catch {
      close()
      return null
    }
  }

  return { read, close }
}
