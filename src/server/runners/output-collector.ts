/**
 * Collects a run's output under its byte cap and streams it as it arrives. Every runner feeds its
 * decoded output through one, so the cap means the same for all kinds: UTF-8 bytes of output.
 */

export interface OutputCollector {
  /**
   * Appends text and passes it to the output callback. Returns false when it did not all fit: the
   * part that fits (cut at a character boundary) was kept and passed on, the rest dropped, and the
   * collector takes nothing more.
   */
  push(text: string): boolean
  /** Everything kept so far. */
  text(): string
  /** UTF-8 bytes kept so far. */
  readonly bytes: number
  /** True once something did not fit. */
  readonly overflowed: boolean
  /** The cap. */
  readonly maxBytes: number
}

export function createOutputCollector(maxBytes: number, onOutput: (chunk: string) => void = () => {}): OutputCollector {
  const parts: string[] = []
  let bytes = 0
  let overflowed = false

  const keep = (chunk: string, size: number): void => {
    if (chunk === '') return
    parts.push(chunk)
    bytes += size
    onOutput(chunk)
  }

  return {
    push(text) {
      if (overflowed) return false
      if (text === '') return true
      const size = Buffer.byteLength(text, 'utf8')
      if (bytes + size <= maxBytes) {
        keep(text, size)
        return true
      }
      overflowed = true
      const cut = cutUtf8(text, maxBytes - bytes)
      keep(cut, Buffer.byteLength(cut, 'utf8'))
      return false
    },
    text: () => {
      if (parts.length > 1) parts.splice(0, parts.length, parts.join(''))
      return parts[0] ?? ''
    },
    get bytes() {
      return bytes
    },
    get overflowed() {
      return overflowed
    },
    maxBytes,
  }
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends on a character boundary. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return ''
  const buf = Buffer.from(text, 'utf8')
  if (buf.length <= maxBytes) return text
  let end = maxBytes
  // Step back over continuation bytes (10xxxxxx) so a multi-byte character is never split.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--
  return buf.toString('utf8', 0, end)
}

/** The message of an `output_too_large` error. */
export const tooLargeMessage = (collector: OutputCollector): string => `The output went over the limit of ${collector.maxBytes} bytes`
