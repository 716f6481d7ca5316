/** What the files of a SQLite database say about its writes, without opening it. */
import { statSync } from 'node:fs'

export interface DbFiles {
  /** Inode, size and mtime of the database and of its WAL: any commit changes one of them. */
  signature: string
  /** When either was last written (ms since the epoch). */
  writtenAt: number
  /** Bytes of both together. */
  bytes: number
}

export function dbFiles(dbPath: string): DbFiles | null {
  // Hundreds of databases are looked at every second: a missing file is an answer, not an
  // exception (building one costs more than the stat).
  try {
    const main = statSync(dbPath, { throwIfNoEntry: false })
    if (!main) return null
    let wal = '-'
    let writtenAt = main.mtimeMs
    let bytes = main.size
    // No WAL file: a database in rollback mode, or one checkpointed and closed.
    const w = statSync(`${dbPath}-wal`, { throwIfNoEntry: false })
    if (w) {
      wal = `${w.size}:${w.mtimeMs}`
      writtenAt = Math.max(writtenAt, w.mtimeMs)
      bytes += w.size
    }
    return { signature: `${main.ino}:${main.size}:${main.mtimeMs}|${wal}`, writtenAt, bytes }
  } catch {
    return null
  }
}
