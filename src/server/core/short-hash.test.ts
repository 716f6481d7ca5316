import { describe, expect, it } from 'vitest'
import { base36, shortHash } from './short-hash.js'

describe('shortHash', () => {
  it('writes 32-bit integers in base 36 exactly as toString(36) does', () => {
    const samples = [0, 1, 35, 36, 1295, 1296, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]
    for (let i = 0; i < 5000; i++) samples.push((Math.imul(i, 0x9e3779b1) >>> 0) ^ i)
    for (const n of samples) expect(base36(n >>> 0), String(n)).toBe((n >>> 0).toString(36))
  })

  it('keeps the hashes saved by earlier versions', () => {
    // Saved facts and switch signatures hold these: a change would make old records look new.
    expect(shortHash('')).toBe('ztntfp9zloz')
    expect(shortHash('transcript:msg-1')).toBe('13r5qriypq6lq')
    expect(shortHash('openclaw:log:/tmp/x@1700000000000')).toBe('p00i512vskp0')
  })
})
