import { describe, expect, it } from 'vitest'
import { clockTime } from './model-status.js'

describe('clockTime', () => {
  it('matches the UTC time of day a Date gives, before and after 1970 and on second edges', () => {
    const samples = [0, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000, Date.UTC(2026, 10, 22, 23, 5, 7, 450), -1, -1000, -86_400_001, Date.UTC(9999, 11, 31, 23, 59, 59)]
    for (let i = 0; i < 2000; i++) samples.push(Math.round((i * 7_919_911_337) % 4e12) - 1e12)
    for (const t of samples) expect(clockTime(t), String(t)).toBe(new Date(t).toISOString().slice(11, 19))
  })

  it('gives the time of day beyond the years an ISO string writes in four digits', () => {
    expect(clockTime(8.64e15)).toBe('00:00:00')
    expect(clockTime(8.64e15 - 1000)).toBe('23:59:59')
  })

  it('throws as a Date does on a timestamp no Date can hold', () => {
    expect(() => clockTime(Number.NaN)).toThrow(RangeError)
    expect(() => clockTime(8.64e15 + 1)).toThrow(RangeError)
  })
})
