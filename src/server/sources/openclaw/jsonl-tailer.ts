/**
 * Incremental reader of append-only JSONL files with byte-offset checkpoints. It reads in large
 * chunks into reusable buffers (one per read in flight, so reads of different files may overlap)
 * and hands each complete line to a sink as a byte range, so the sink decides cheaply whether a
 * line deserves decoding and JSON.parse.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'

/** Where a file was read up to. `offset` is always just after a '\n'. */
export interface TailCheckpoint {
  /** Inode of the file that was read; a different inode means the file was replaced. */
  ino: number
  offset: number
  /** Number of lines consumed so far (for `file:line` places). */
  line: number
}

export interface LineSink {
  /** Called before any line when reading starts over at 0 although a checkpoint was given. */
  restart?(reason: 'rotated' | 'truncated'): void
  /** Called once per buffer refill, before the lines found in it. */
  chunk?(buf: Buffer): void
  /**
   * One complete line, without its '\n' (and without a trailing '\r'). Empty lines are skipped.
   * `lineNo` is 1-based; `offset` is the byte offset of the line start in the file.
   */
  line(buf: Buffer, start: number, end: number, lineNo: number, offset: number): void
  /** Called after the lines of each chunk with the checkpoint that covers them. */
  progress?(checkpoint: TailCheckpoint): void
  /**
   * A line longer than `maxLineBytes`: its bytes were not kept, so it is not passed to `line`. It
   * is reported once, when its '\n' is read (until then it is a half-written last line).
   * `bytes` is its length.
   */
  tooLong?(lineNo: number, offset: number, bytes: number): void
}

export type TailReset = 'rotated' | 'truncated' | null

export interface JsonlTailerOptions {
  /** Bytes read per system call. Default is 1 MiB. */
  chunkSize?: number
  /**
   * Reads of at most this many bytes use blocking calls: a small read (most reads are an append
   * or a short file) then costs a few microseconds instead of three trips through the thread
   * pool. Default is 1 MiB; 0 makes every read asynchronous.
   */
  syncReadBytes?: number
  /**
   * Longest line kept in memory. A longer one (a corrupt file without line breaks, say) is read
   * past without keeping its bytes and reported to `tooLong`. Default is 64 MiB.
   */
  maxLineBytes?: number
}

/** Default of `maxLineBytes`: far above any real transcript line, images included. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024

/** Why an over-long line was skipped (see `LineSink.tooLong`). */
export const tooLongReason = (bytes: number): string => `line too long (${bytes} bytes): skipped`

/** An open file, read with blocking or promise-based calls. */
interface OpenFile {
  read(buf: Buffer, at: number, length: number, position: number): number | Promise<number>
  close(): void | Promise<void>
}

function openBlocking(path: string): OpenFile {
  const fd = openSync(path, 'r')
  return {
    read: (buf, at, length, position) => readSync(fd, buf, at, length, position),
    close: () => closeSync(fd),
  }
}

async function openAsync(path: string): Promise<OpenFile> {
  const fh = await open(path, 'r')
  return {
    read: async (buf, at, length, position) => (await fh.read(buf, at, length, position)).bytesRead,
    close: () => fh.close(),
  }
}

export interface TailResult {
  checkpoint: TailCheckpoint
  /** Why reading restarted at 0 despite a checkpoint, if it did. */
  reset: TailReset
  bytesRead: number
  /** False when `maxBytes` stopped the read before the end of the file. */
  done: boolean
}

export interface JsonlTailer {
  /**
   * Reads the lines appended since `from` (those that end within `maxBytes` of it, if given).
   * Resolves to null when the file does not exist.
   */
  read(path: string, from: TailCheckpoint | undefined, sink: LineSink, maxBytes?: number): Promise<TailResult | null>
}

const NEWLINE = 0x0a
const CR = 0x0d

export function createJsonlTailer(options: JsonlTailerOptions = {}): JsonlTailer {
  const chunkSize = Math.max(64, options.chunkSize ?? 1 << 20)
  const syncReadBytes = options.syncReadBytes ?? 1 << 20
  const maxLineBytes = Math.max(chunkSize, options.maxLineBytes ?? MAX_LINE_BYTES)
  const spare: Buffer[] = []
  /**
   * Over-long lines still without their '\n', by file: how far they are known to have none. The
   * next read of the file goes on from there instead of reading the whole line again.
   */
  const unfinished = new Map<string, { ino: number; lineStart: number; scannedTo: number }>()

  async function read(path: string, from: TailCheckpoint | undefined, sink: LineSink, maxBytes?: number): Promise<TailResult | null> {
    // A stat of a local file costs microseconds: done in place, it skips a trip through the
    // thread pool for every file looked at (most reads find nothing new).
    let st
    try {
      st = statSync(path)
    } catch (err) {
      if (isNotFound(err)) return null
      throw err
    }
    let reset: TailReset = null
    let offset = 0
    let lineNo = 0
    if (from) {
      if (from.ino !== st.ino) reset = 'rotated'
      else if (st.size < from.offset) reset = 'truncated'
      else {
        offset = from.offset
        lineNo = from.line
      }
    }
    if (reset !== null) sink.restart?.(reset)
    const checkpoint: TailCheckpoint = { ino: st.ino, offset, line: lineNo }
    if (st.size <= offset) return { checkpoint, reset, bytesRead: 0, done: true }

    let bytesRead = 0
    // Reads stop at the size seen now (later appends are picked up by the next call), or earlier
    // when the caller asked for a slice (a line that does not end inside it is left for later).
    const limit = maxBytes !== undefined ? Math.min(st.size, offset + Math.max(1, maxBytes)) : st.size
    let fh: OpenFile
    try {
      fh = limit - offset <= syncReadBytes ? openBlocking(path) : await openAsync(path)
    } catch (err) {
      if (isNotFound(err)) return null
      throw err
    }
    try {
      let buf = spare.pop() ?? Buffer.allocUnsafe(chunkSize)
      let carried = 0 // bytes of an incomplete line kept at buf[0..carried)
      let bufStart = offset // file offset of buf[0]
      // Inside an over-long line (started at `skipFrom`): its bytes are read past, not kept.
      let skipFrom = -1
      const known = unfinished.get(path)
      if (known && reset === null && known.ino === st.ino && known.lineStart === offset && known.scannedTo <= limit) {
        skipFrom = offset
        bufStart = known.scannedTo
      }
      unfinished.delete(path)
      while (bufStart + carried < limit) {
        if (carried === buf.length) {
          if (buf.length >= maxLineBytes) {
            // Too long to keep: read on to its end without keeping it.
            skipFrom = bufStart
            bufStart += carried
            carried = 0
          } else {
            // A single line longer than the buffer: grow it, keep the bytes.
            const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxLineBytes))
            buf.copy(bigger, 0, 0, carried)
            buf = bigger
          }
        }
        const want = Math.min(buf.length - carried, limit - (bufStart + carried))
        const n = await fh.read(buf, carried, want, bufStart + carried)
        if (n === 0) break
        bytesRead += n
        const total = carried + n
        sink.chunk?.(buf)
        let lineStart = 0
        let nl = buf.indexOf(NEWLINE, 0)
        if (skipFrom >= 0) {
          if (nl === -1 || nl >= total) {
            bufStart += total
            continue
          }
          lineNo++
          sink.tooLong?.(lineNo, skipFrom, bufStart + nl - skipFrom)
          skipFrom = -1
          lineStart = nl + 1
          nl = lineStart < total ? buf.indexOf(NEWLINE, lineStart) : -1
        }
        while (nl !== -1 && nl < total) {
          lineNo++
          let end = nl
          if (end > lineStart && buf[end - 1] === CR) end--
          if (end > lineStart) sink.line(buf, lineStart, end, lineNo, bufStart + lineStart)
          lineStart = nl + 1
          nl = lineStart < total ? buf.indexOf(NEWLINE, lineStart) : -1
        }
        checkpoint.offset = bufStart + lineStart
        checkpoint.line = lineNo
        sink.progress?.({ ...checkpoint })
        carried = total - lineStart
        if (carried > 0 && lineStart > 0) buf.copy(buf, 0, lineStart, total)
        bufStart += lineStart
      }
      if (skipFrom >= 0) {
        // The checkpoint stays before the line, as for any half-written line; the next read skips
        // what is already known to hold no line break.
        if (unfinished.size >= 64) unfinished.clear()
        unfinished.set(path, { ino: st.ino, lineStart: skipFrom, scannedTo: bufStart })
      }
      // Keep a grown buffer only if it is modest; a one-off giant line should not pin memory.
      if (buf.length <= chunkSize * 4 && spare.length < 4) spare.push(buf)
    } finally {
      await fh.close()
    }
    return { checkpoint, reset, bytesRead, done: limit >= st.size }
  }

  return { read }
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/** True when a value looks like a tail checkpoint (checkpoints come back from storage untyped). */
export function isTailCheckpoint(value: unknown): value is TailCheckpoint {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.ino === 'number' && typeof v.offset === 'number' && typeof v.line === 'number'
}
