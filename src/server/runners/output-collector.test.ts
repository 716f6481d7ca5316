import { describe, expect, it } from 'vitest'
import { createOutputCollector, cutUtf8 } from './output-collector.js'

describe('output collector', () => {
  it('keeps and streams output up to the cap, counted in UTF-8 bytes', () => {
    const chunks: string[] = []
    const out = createOutputCollector(10, (c) => chunks.push(c))
    expect(out.push('abc')).toBe(true)
    expect(out.push('€€')).toBe(true)
    expect(out.bytes).toBe(9)
    expect(out.push('€z')).toBe(false)
    expect(out.overflowed).toBe(true)
    expect(out.text()).toBe('abc€€')
    expect(chunks).toEqual(['abc', '€€'])
    expect(out.push('more')).toBe(false)
  })

  it('accepts output of exactly the cap', () => {
    const out = createOutputCollector(4)
    expect(out.push('abcd')).toBe(true)
    expect(out.overflowed).toBe(false)
  })

  it('cuts at a character boundary', () => {
    expect(cutUtf8('a€b', 1)).toBe('a')
    expect(cutUtf8('a€b', 3)).toBe('a')
    expect(cutUtf8('a€b', 4)).toBe('a€')
    expect(cutUtf8('😀', 3)).toBe('')
    expect(cutUtf8('abc', 0)).toBe('')
  })
})
