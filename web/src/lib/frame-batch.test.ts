import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFrameBatch } from './frame-batch'

/** A frame clock the test advances by hand. */
function frames() {
  let next = 1
  const pending = new Map<number, () => void>()
  return {
    requestFrame: (cb: () => void) => {
      pending.set(next, cb)
      return next++
    },
    cancelFrame: (handle: number) => void pending.delete(handle),
    tick() {
      const due = [...pending.values()]
      pending.clear()
      for (const cb of due) cb()
    },
    get pending() {
      return pending.size
    },
  }
}

describe('createFrameBatch', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('applies every message of a frame together, in the order they came', () => {
    const clock = frames()
    const applied: number[][] = []
    const batch = createFrameBatch<number>((ms) => applied.push([...ms]), { maxWaitMs: 100, ...clock })
    batch.add(1)
    batch.add(2)
    batch.add(3)
    expect(applied).toEqual([])
    expect(clock.pending).toBe(1)
    clock.tick()
    expect(applied).toEqual([[1, 2, 3]])
    batch.add(4)
    clock.tick()
    expect(applied).toEqual([[1, 2, 3], [4]])
    // The timer of an applied batch does not fire again.
    vi.advanceTimersByTime(500)
    expect(applied).toEqual([[1, 2, 3], [4]])
  })

  it('applies after maxWaitMs when no frame comes (a hidden tab)', () => {
    const clock = frames()
    const applied: string[][] = []
    const batch = createFrameBatch<string>((ms) => applied.push([...ms]), { maxWaitMs: 100, ...clock })
    batch.add('a')
    vi.advanceTimersByTime(99)
    expect(applied).toEqual([])
    vi.advanceTimersByTime(1)
    expect(applied).toEqual([['a']])
    expect(clock.pending).toBe(0)
  })

  it('flush applies at once and cancels the frame; clear drops what waits', () => {
    const clock = frames()
    const applied: string[][] = []
    const batch = createFrameBatch<string>((ms) => applied.push([...ms]), { maxWaitMs: 100, ...clock })
    batch.flush()
    expect(applied).toEqual([])
    batch.add('a')
    batch.flush()
    expect(applied).toEqual([['a']])
    expect(clock.pending).toBe(0)
    batch.add('b')
    expect(batch.size).toBe(1)
    batch.clear()
    expect(batch.size).toBe(0)
    clock.tick()
    vi.advanceTimersByTime(1000)
    expect(applied).toEqual([['a']])
  })

  it('keeps messages that arrive while a batch is applied for the next one', () => {
    const clock = frames()
    const applied: number[][] = []
    const batch = createFrameBatch<number>(
      (ms) => {
        applied.push([...ms])
        if (ms.includes(1)) batch.add(2)
      },
      { maxWaitMs: 100, ...clock },
    )
    batch.add(1)
    clock.tick()
    expect(applied).toEqual([[1]])
    clock.tick()
    expect(applied).toEqual([[1], [2]])
  })
})
