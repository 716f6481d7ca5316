/**
 * Files of OpenClaw's state that must be plain files. Something else in their place (a FIFO, a
 * device, a socket) would otherwise hang the read: opening a FIFO waits for a writer, holding a
 * thread of the pool (or, for a SQLite database, the thread that answers requests) forever, and
 * the first read would never finish. So they are opened without blocking and refused unless they
 * are regular files; the readers count and log that like any other unreadable input.
 */
import { constants, statSync } from 'node:fs'
import { open } from 'node:fs/promises'

/** Why such a file is skipped, as the readers report it. */
export const NOT_REGULAR_REASON = 'not a regular file (a FIFO, device or socket?): skipped'

/** Largest such file read: far above any real config, index or auth state. */
export const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024

/** A file not read, and the reason the readers report for it. */
export class SkippedFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason = NOT_REGULAR_REASON,
  ) {
    super(`${path}: ${reason}`)
  }
}

/** O_NONBLOCK where the platform has it: opening a FIFO then returns at once. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)

/**
 * Reads a whole regular file as UTF-8. A FIFO, device or socket, or a file over `maxBytes`, throws
 * {@link SkippedFileError} with the reason to report.
 */
export async function readRegularFile(path: string, maxBytes = MAX_STATE_FILE_BYTES): Promise<string> {
  const fh = await open(path, READ_FLAGS)
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new SkippedFileError(path)
    if (st.size > maxBytes) throw new SkippedFileError(path, `file too large (${st.size} bytes): skipped`)
    return await fh.readFile('utf8')
  } finally {
    await fh.close()
  }
}

/** Whether something other than a regular file (or a directory) is at `path`. */
export function isSpecialFile(path: string): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false })
    return st !== undefined && !st.isFile() && !st.isDirectory()
  } catch {
    return false
  }
}
