/**
 * Byte-level checks on a JSONL line held in a buffer, used to skip lines that cannot produce an
 * event without decoding or parsing them.
 *
 * A needle that contains a `"` followed by another structural character (`":"`, `{"`) can only
 * match JSON structure, never the inside of a string value, because quotes inside strings are
 * always escaped (`\"`). The checks below rely on that.
 */

/** Finds a fixed byte sequence inside lines of one buffer, scanning each byte at most once per chunk. */
export interface NeedleScanner {
  /** Must be called whenever the buffer content changes (a new chunk). */
  reset(): void
  /** Index of the first occurrence in [start, end), or -1. */
  find(buf: Buffer, start: number, end: number): number
}

export function createNeedleScanner(needle: string): NeedleScanner {
  const bytes = Buffer.from(needle, 'utf8')
  let from = -1
  let found = -1
  return {
    reset() {
      from = -1
      found = -1
    },
    find(buf, start, end) {
      // The cached answer is valid when it was computed from at or before `start` and the match
      // it found (or the lack of one) lies at or after `start`.
      if (from === -1 || start < from || (found !== -1 && found < start)) {
        from = start
        found = buf.indexOf(bytes, start)
      }
      return found !== -1 && found + bytes.length <= end ? found : -1
    },
  }
}

/** True when `buf[start..]` begins with the bytes of `prefix`. */
export function startsWithBytes(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false
  return true
}

/**
 * Reads the JSON string value that starts at `at` (just after its opening quote), if it contains no
 * escapes and ends before `end`. Returns null otherwise (the caller then parses the line).
 */
export function readSimpleString(buf: Buffer, at: number, end: number, maxLength = 128): string | null {
  const stop = Math.min(end, at + maxLength)
  for (let i = at; i < stop; i++) {
    const c = buf[i]
    if (c === 0x22) return buf.toString('latin1', at, i)
    if (c === 0x5c) return null
  }
  return null
}

/** Last non-whitespace byte of a line is `}`: a cheap sign the line was written completely. */
export function looksLikeCompleteObject(buf: Buffer, start: number, end: number): boolean {
  let i = end - 1
  while (i >= start && (buf[i] === 0x20 || buf[i] === 0x09)) i--
  let j = start
  while (j < end && (buf[j] === 0x20 || buf[j] === 0x09)) j++
  return i > j && buf[j] === 0x7b && buf[i] === 0x7d
}
