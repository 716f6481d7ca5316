import { describe, expect, it } from 'vitest'
import { isoTime } from './iso-time.js'

describe('isoTime', () => {
  it('gives the text of toISOString around second, minute, day and year boundaries', () => {
    const bases = [0, 1_795_000_000_000, Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2024, 1, 29, 12), Date.UTC(9999, 11, 31)]
    for (const base of bases) {
      for (const ms of [0, 1, 9, 10, 99, 100, 101, 998, 999, 1000, 1001, 1999, 2000, 60_000, 86_399_999]) {
        const t = base + ms
        if (t > 253_402_300_799_999) continue
        expect(isoTime(t)).toBe(new Date(t).toISOString())
        // The same time again is the cached string; going back a second formats anew.
        expect(isoTime(t)).toBe(new Date(t).toISOString())
        expect(isoTime(t - 1000 >= 0 ? t - 1000 : t)).toBe(new Date(t - 1000 >= 0 ? t - 1000 : t).toISOString())
      }
    }
  })

  it('leaves times outside 1970–9999 and fractions of a ms to toISOString', () => {
    for (const t of [-1, -86_400_001, 253_402_300_800_000, 1_795_000_000_000.5]) expect(isoTime(t)).toBe(new Date(t).toISOString())
  })

  it('matches toISOString over a run of random times', () => {
    let seed = 42
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648)
    for (let i = 0; i < 2000; i++) {
      const t = Math.floor((next() / 2_147_483_648) * 4_102_444_800_000) // up to 2100
      expect(isoTime(t)).toBe(new Date(t).toISOString())
    }
  })
})
