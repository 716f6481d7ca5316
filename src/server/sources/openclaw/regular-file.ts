/**
 * Files of OpenClaw's state that must be plain files. Something else in their place (a FIFO, a
 * device, a socket) would otherwise hang the read: opening a FIFO waits for a writer, holding a
 * thread of the pool (or, for a SQLite database, the thread that answers requests) forever, and
 * the first read would never finish. So they are opened without blocking and refused unless they
 * are regular files; the readers count and log that like any other unreadable input.
 */
import { closeSync, constants, fstatSync, openSync, readFile, readSync, statSync } from 'node:fs'
import { promisify } from 'node:util'

/** Why such a file is skipped, as the readers report it. */
export const NOT_REGULAR_REASON = 'not a regular file (a FIFO, device or socket?): skipped'

/** Largest such file read: far above any real config, index or auth state. */
export const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024

/**
 * Files up to this size are read with blocking calls: an index or an auth state is a few KB, and
 * a start reads hundreds of them, where four trips through the thread pool per file cost five
 * times the CPU of reading it. Larger files are read without blocking the event loop.
 */
const SYNC_READ_BYTES = 1024 * 1024

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

const readFd = promisify(readFile) as (fd: number, encoding: 'utf8') => Promise<string>

/** A file's text and when it was last written. */
export interface RegularFileText {
  text: string
  mtimeMs: number
}

/**
 * Reads a whole regular file as UTF-8, with its modification time (from the same open file).
 * A FIFO, device or socket, or a file over `maxBytes`, throws {@link SkippedFileError} with the
 * reason to report.
 */
export async function readRegularFileWithTime(path: string, maxBytes = MAX_STATE_FILE_BYTES): Promise<RegularFileText> {
  const fd = openSync(path, READ_FLAGS)
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new SkippedFileError(path)
    if (st.size > maxBytes) throw new SkippedFileError(path, `file too large (${st.size} bytes): skipped`)
    if (st.size > SYNC_READ_BYTES) return { text: await readFd(fd, 'utf8'), mtimeMs: st.mtimeMs }
    // The size is a hint: the file may grow or shrink while it is read, so read until the end.
    const chunks: Buffer[] = []
    let buf = Buffer.allocUnsafe(Math.max(st.size, 4096))
    let filled = 0
    let total = 0
    for (;;) {
      if (filled === buf.length) {
        chunks.push(buf)
        buf = Buffer.allocUnsafe(buf.length)
        filled = 0
      }
      const n = readSync(fd, buf, filled, buf.length - filled, null)
      if (n === 0) break
      filled += n
      total += n
      // A file still being written to: what grew past the limit while it was read is not kept.
      if (total > maxBytes) throw new SkippedFileError(path, `file too large (over ${maxBytes} bytes while read): skipped`)
    }
    chunks.push(buf.subarray(0, filled))
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
    return { text: bytes.toString('utf8'), mtimeMs: st.mtimeMs }
  } finally {
    closeSync(fd)
  }
}

/** {@link readRegularFileWithTime} without the time. */
export async function readRegularFile(path: string, maxBytes = MAX_STATE_FILE_BYTES): Promise<string> {
  return (await readRegularFileWithTime(path, maxBytes)).text
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
