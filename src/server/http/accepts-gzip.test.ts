import { describe, expect, it } from 'vitest'
import { acceptsGzip } from './accepts-gzip.js'

describe('acceptsGzip', () => {
  it('accepts gzip named with a weight above zero', () => {
    for (const h of ['gzip', 'gzip, deflate, br, zstd', 'br;q=1.0, gzip;q=0.8, *;q=0.1', 'GZIP', 'x-gzip', 'deflate, gzip ; q = 0.5']) {
      expect(acceptsGzip(h), h).toBe(true)
    }
  })

  it('refuses gzip given a weight of zero, even when * is accepted', () => {
    for (const h of ['gzip;q=0', 'gzip;q=0.000, deflate', '*;q=1, gzip;q=0', 'gzip; q=0']) {
      expect(acceptsGzip(h), h).toBe(false)
    }
  })

  it('follows * when gzip is not named', () => {
    expect(acceptsGzip('*')).toBe(true)
    expect(acceptsGzip('br, *;q=0.1')).toBe(true)
    expect(acceptsGzip('*;q=0')).toBe(false)
  })

  it('says no to no header, identity, other codings and words that only contain "gzip"', () => {
    for (const h of [undefined, '', 'identity', 'br, deflate', 'gzipx', 'notgzip;q=1', 'gzip;q=abc']) {
      expect(acceptsGzip(h), String(h)).toBe(false)
    }
  })
})
