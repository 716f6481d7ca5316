import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveToken } from '../auth/token.js'
import { makeDataDir } from './data-dir.js'

const made: string[] = []
const scratch = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'swb-data-dir-'))
  made.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('makeDataDir', () => {
  it('makes the dir and its missing parents, private to the user', () => {
    const dir = path.join(scratch(), 'a', 'b', 'data')
    makeDataDir(dir)
    expect(statSync(dir).isDirectory()).toBe(true)
    expect(statSync(dir).mode & 0o777).toBe(0o700 & ~process.umask())
    expect(statSync(path.dirname(dir)).mode & 0o777).toBe(0o700 & ~process.umask())
  })

  it('leaves an existing dir as it is', () => {
    const dir = scratch()
    writeFileSync(path.join(dir, 'keep'), 'x')
    makeDataDir(dir)
    expect(existsSync(path.join(dir, 'keep'))).toBe(true)
  })

  it('names the path when it is a file, or under one', () => {
    const file = path.join(scratch(), 'file')
    writeFileSync(file, 'x')
    expect(() => makeDataDir(file)).toThrow(`the data dir ${file} is not a directory`)
    expect(() => makeDataDir(path.join(file, 'data'))).toThrow(/^cannot create the data dir .*file\/data: ENOTDIR/)
  })

  // Node's own recursive mkdir never returns here (it retries ENOENT under an existing parent).
  it.runIf(process.platform === 'linux')('fails at once where the system cannot make a dir, instead of spinning', () => {
    expect(() => makeDataDir('/proc/switchboard-data')).toThrow(/^cannot create the data dir \/proc\/switchboard-data: (ENOENT|EACCES|EPERM)/)
    expect(() => makeDataDir('/proc/switchboard-data/deeper')).toThrow(/^cannot create the data dir \/proc\/switchboard-data\/deeper: (ENOENT|EACCES|EPERM)/)
  })

  it('is what the token file goes through', () => {
    const file = path.join(scratch(), 'file')
    writeFileSync(file, 'x')
    expect(() => resolveToken(file)).toThrow('is not a directory')
    const dir = path.join(scratch(), 'new', 'data')
    expect(resolveToken(dir).generated).toBe(true)
    expect(existsSync(path.join(dir, 'token'))).toBe(true)
  })
})
