import { describe, expect, it } from 'vitest'
import { chunksBySize } from './fleet.repository.js'

describe('chunksBySize', () => {
  const size = (s: string) => s.length

  it('keeps the order and puts as many items in a run as its limit allows', () => {
    const items = ['aaaa', 'bb', 'cccc', 'd', 'eeeeee', 'f']
    const runs = chunksBySize(items, size, 6)
    expect(runs.flat()).toEqual(items)
    expect(runs).toEqual([['aaaa', 'bb'], ['cccc', 'd'], ['eeeeee'], ['f']])
  })

  it('gives an item larger than the limit a run of its own, and nothing for no items', () => {
    expect(chunksBySize(['x', 'yyyyyyyyyy', 'z'], size, 4)).toEqual([['x'], ['yyyyyyyyyy'], ['z']])
    expect(chunksBySize([], size, 4)).toEqual([])
  })
})
