/** What the files of a SQLite database say about its writes, without opening it. */
import { statSync } from 'node:fs'

export interface DbFiles {
  /** Inode, size and mtime of the database and of its WAL: any commit changes one of them. */
  signature: string
  /** When either was last written (ms since the epoch). */
  writtenAt: number
}

export function dbFiles(dbPath: string): DbFiles | null {
  try {
    const main = statSync(dbPath)
    let wal = '-'
    let writtenAt = main.mtimeMs
    try {
      const w = statSync(`${dbPath}-wal`)
      wal = `${w.size}:${w.mtimeMs}`
      writtenAt = Math.max(writtenAt, w.mtimeMs)
    } catch {
      // No WAL file: a database in rollback mode, or one checkpointed and closed.
    }
    return { signature: `${main.ino}:${main.size}:${main.mtimeMs}|${wal}`, writtenAt }
  } catch {
    return null
  }
}
