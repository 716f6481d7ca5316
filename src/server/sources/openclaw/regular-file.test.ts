import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NOT_REGULAR_REASON, readRegularFile, readRegularFileWithTime, SkippedFileError } from './regular-file.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'swb-regular-file-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const skipped = async (read: Promise<unknown>): Promise<SkippedFileError> => {
  const err = await read.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(SkippedFileError)
  return err as SkippedFileError
}

describe('readRegularFile', () => {
  it('reads a small file whole, with its modification time from the same open file', async () => {
    const path = join(dir, 'auth-state.json')
    const text = '{"usageStats":{"openai:default":{"errorCount":2}},"note":"配额"}\n'
    writeFileSync(path, text)
    utimesSync(path, new Date('2026-11-20T08:00:00Z'), new Date('2026-11-21T09:30:00Z'))
    const file = await readRegularFileWithTime(path)
    expect(file.text).toBe(text)
    expect(file.mtimeMs).toBe(Date.parse('2026-11-21T09:30:00Z'))
    expect(await readRegularFile(path)).toBe(text)
  })

  it('reads an empty file as an empty string', async () => {
    const path = join(dir, 'sessions.json')
    writeFileSync(path, '')
    expect(await readRegularFile(path)).toBe('')
  })

  it('reads a file above the blocking-read size (a large sessions index) the same way', async () => {
    const path = join(dir, 'sessions.json')
    const entries = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`agent:main:s${i}`, { sessionId: `s${i}`, updatedAt: i }]))
    const text = JSON.stringify(entries)
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024 * 1024)
    writeFileSync(path, text)
    const file = await readRegularFileWithTime(path)
    expect(file.text).toBe(text)
    expect(file.mtimeMs).toBe(statSync(path).mtimeMs)
  })

  it('refuses a file over the limit, a directory and a FIFO without waiting for a writer', async () => {
    const big = join(dir, 'big.json')
    writeFileSync(big, 'x'.repeat(100))
    expect((await skipped(readRegularFile(big, 99))).reason).toBe('file too large (100 bytes): skipped')
    expect(await readRegularFile(big, 100)).toHaveLength(100)

    const sub = join(dir, 'sub')
    mkdirSync(sub)
    expect((await skipped(readRegularFile(sub))).reason).toBe(NOT_REGULAR_REASON)

    if (process.platform !== 'win32') {
      const fifo = join(dir, 'fifo.json')
      execFileSync('mkfifo', [fifo])
      expect((await skipped(readRegularFile(fifo))).reason).toBe(NOT_REGULAR_REASON)
    }
  })

  // Files in /proc say they are empty and are not: the reading goes by what comes, not the size.
  it.runIf(process.platform === 'linux')('reads a file larger than its stated size, and stops at the limit while reading', async () => {
    const text = await readRegularFile('/proc/self/status')
    expect(text).toMatch(/^Name:/)
    expect(text.length).toBeGreaterThan(200)
    expect((await skipped(readRegularFile('/proc/self/status', 100))).reason).toBe('file too large (over 100 bytes while read): skipped')
  })

  it('rejects (does not throw) for a missing file', async () => {
    await expect(readRegularFile(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
