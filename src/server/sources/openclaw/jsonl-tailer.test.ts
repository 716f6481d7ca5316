import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createJsonlTailer, type LineSink, type TailCheckpoint } from './jsonl-tailer.js'
import { tempDir } from './openclaw.test-kit.js'

function collect(): { sink: LineSink; lines: string[]; numbers: number[]; restarts: string[] } {
  const lines: string[] = []
  const numbers: number[] = []
  const restarts: string[] = []
  return {
    lines,
    numbers,
    restarts,
    sink: {
      restart: (reason) => restarts.push(reason),
      line: (buf, start, end, lineNo) => {
        lines.push(buf.toString('utf8', start, end))
        numbers.push(lineNo)
      },
    },
  }
}

// Small reads use blocking calls, larger ones the thread pool: both paths read the same.
describe.each([
  ['blocking reads', {}],
  ['reads through the thread pool', { syncReadBytes: 0 }],
])('jsonl tailer (%s)', (_mode, mode) => {
  let t: ReturnType<typeof tempDir>
  let file: string
  beforeEach(() => {
    t = tempDir()
    file = join(t.dir, 'a.jsonl')
  })
  afterEach(() => t.cleanup())

  it('reads complete lines and resumes from its checkpoint with only what was appended', async () => {
    const tailer = createJsonlTailer(mode)
    writeFileSync(file, '{"a":1}\n{"a":2}\n')
    const first = collect()
    const r1 = await tailer.read(file, undefined, first.sink)
    expect(first.lines).toEqual(['{"a":1}', '{"a":2}'])
    expect(r1?.checkpoint).toMatchObject({ offset: 16, line: 2 })

    appendFileSync(file, '{"a":3}\n')
    const second = collect()
    const r2 = await tailer.read(file, r1!.checkpoint, second.sink)
    expect(second.lines).toEqual(['{"a":3}'])
    expect(second.numbers).toEqual([3])

    const third = collect()
    const r3 = await tailer.read(file, r2!.checkpoint, third.sink)
    expect(third.lines).toEqual([])
    expect(r3?.bytesRead).toBe(0)
  })

  it('leaves a half-written last line until its newline arrives', async () => {
    const tailer = createJsonlTailer(mode)
    writeFileSync(file, '{"a":1}\n{"a":')
    const first = collect()
    const r1 = await tailer.read(file, undefined, first.sink)
    expect(first.lines).toEqual(['{"a":1}'])
    expect(r1?.checkpoint.offset).toBe(8)

    appendFileSync(file, '2}')
    const second = collect()
    const r2 = await tailer.read(file, r1!.checkpoint, second.sink)
    expect(second.lines).toEqual([])
    expect(r2?.checkpoint.offset).toBe(8)

    appendFileSync(file, '\n')
    const third = collect()
    await tailer.read(file, r2!.checkpoint, third.sink)
    expect(third.lines).toEqual(['{"a":2}'])
    expect(third.numbers).toEqual([2])
  })

  it('starts over when the file was truncated', async () => {
    const tailer = createJsonlTailer(mode)
    writeFileSync(file, '{"a":1}\n{"a":2}\n')
    const r1 = await tailer.read(file, undefined, collect().sink)
    truncateSync(file, 0)
    appendFileSync(file, '{"b":1}\n')
    const after = collect()
    const r2 = await tailer.read(file, r1!.checkpoint, after.sink)
    expect(r2?.reset).toBe('truncated')
    expect(after.restarts).toEqual(['truncated'])
    expect(after.lines).toEqual(['{"b":1}'])
    expect(after.numbers).toEqual([1])
  })

  it('starts over when the file was replaced (rotation: another inode)', async () => {
    const tailer = createJsonlTailer(mode)
    writeFileSync(file, '{"a":1}\n')
    const r1 = await tailer.read(file, undefined, collect().sink)
    renameSync(file, `${file}.1`)
    writeFileSync(file, '{"new":1}\n{"new":2}\n')
    const after = collect()
    const r2 = await tailer.read(file, r1!.checkpoint, after.sink)
    expect(r2?.reset).toBe('rotated')
    expect(after.lines).toEqual(['{"new":1}', '{"new":2}'])
  })

  it('handles lines longer than the buffer, CRLF and empty lines', async () => {
    const tailer = createJsonlTailer({ ...mode, chunkSize: 64 })
    const long = JSON.stringify({ text: 'x'.repeat(1000) })
    writeFileSync(file, `${long}\r\n\n{"b":2}\n`)
    const got = collect()
    const r = await tailer.read(file, undefined, got.sink)
    expect(got.lines).toEqual([long, '{"b":2}'])
    expect(got.numbers).toEqual([1, 3])
    expect(r?.checkpoint.offset).toBe(long.length + 2 + 1 + 8)
  })

  it('splits across chunk boundaries without losing or duplicating bytes', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ i, pad: 'é'.repeat(i % 37) }))
    writeFileSync(file, lines.join('\n') + '\n')
    for (const chunkSize of [64, 100, 4096]) {
      const got = collect()
      const progress: TailCheckpoint[] = []
      await createJsonlTailer({ ...mode, chunkSize }).read(file, undefined, { ...got.sink, progress: (cp) => progress.push(cp) })
      expect(got.lines).toEqual(lines)
      expect(progress.at(-1)?.line).toBe(500)
    }
  })

  it('skips a line longer than maxLineBytes without keeping it, reports it once, and reads on after it', async () => {
    const tailer = createJsonlTailer({ ...mode, chunkSize: 64, maxLineBytes: 256 })
    const giant = `{"pad":"${'x'.repeat(1000)}"}`
    writeFileSync(file, `{"a":1}\n${giant}\n{"a":2}\n`)
    const got = collect()
    const tooLong: [number, number, number][] = []
    const r = await tailer.read(file, undefined, { ...got.sink, tooLong: (lineNo, offset, bytes) => tooLong.push([lineNo, offset, bytes]) })
    expect(got.lines).toEqual(['{"a":1}', '{"a":2}'])
    expect(got.numbers).toEqual([1, 3])
    expect(tooLong).toEqual([[2, 8, giant.length]])
    expect(r?.checkpoint).toMatchObject({ offset: 8 + giant.length + 1 + 8, line: 3 })
  })

  it('leaves an over-long line that is still being written before its checkpoint, without reading it again from its start', async () => {
    const tailer = createJsonlTailer({ ...mode, chunkSize: 64, maxLineBytes: 256 })
    const tooLong: number[] = []
    const sink = (got: ReturnType<typeof collect>): LineSink => ({ ...got.sink, tooLong: (lineNo) => tooLong.push(lineNo) })
    writeFileSync(file, `{"a":1}\n{"pad":"${'x'.repeat(600)}`)
    const first = collect()
    const r1 = await tailer.read(file, undefined, sink(first))
    expect(first.lines).toEqual(['{"a":1}'])
    expect(r1?.checkpoint).toMatchObject({ offset: 8, line: 1 })

    // More of the same line: only the appended bytes are read, and nothing is reported yet.
    appendFileSync(file, 'x'.repeat(500))
    const r2 = await tailer.read(file, r1!.checkpoint, sink(collect()))
    expect(r2?.bytesRead).toBe(500)
    expect(r2?.checkpoint).toMatchObject({ offset: 8, line: 1 })
    expect(tooLong).toEqual([])

    appendFileSync(file, 'x"}\n{"a":2}\n')
    const third = collect()
    const r3 = await tailer.read(file, r2!.checkpoint, sink(third))
    expect(r3?.bytesRead).toBe('x"}\n{"a":2}\n'.length)
    expect(tooLong).toEqual([2])
    expect(third.lines).toEqual(['{"a":2}'])
    expect(third.numbers).toEqual([3])

    // A reader that starts over from the same checkpoint (another tailer) reads the line again, skips it, and agrees.
    const again = collect()
    const r4 = await createJsonlTailer({ ...mode, chunkSize: 64, maxLineBytes: 256 }).read(file, r1!.checkpoint, sink(again))
    expect(again.lines).toEqual(['{"a":2}'])
    expect(r4?.checkpoint).toEqual(r3?.checkpoint)
  })

  it('returns null for a missing file', async () => {
    expect(await createJsonlTailer(mode).read(join(t.dir, 'missing.jsonl'), undefined, collect().sink)).toBeNull()
  })
})
