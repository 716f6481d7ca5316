import { describe, expect, it } from 'vitest'
import { createServeStop, STOP_DEADLINE_MS } from './serve-stop.js'

function harness(close: () => Promise<void>) {
  const exits: number[] = []
  const out: string[] = []
  const err: string[] = []
  const timers: { fn: () => void; ms: number }[] = []
  const stop = createServeStop({
    close,
    exit: (code) => exits.push(code),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    later: (fn, ms) => timers.push({ fn, ms }),
  })
  return { stop, exits, out, err, timers }
}

const never = (): Promise<void> => new Promise(() => {})

describe('serve stop', () => {
  it('closes the server and exits 0', async () => {
    let closed = 0
    const h = harness(async () => {
      closed++
    })
    h.stop('SIGTERM')
    await Promise.resolve()
    await Promise.resolve()
    expect([closed, h.exits, h.out.join('')]).toEqual([1, [0], '\n  SIGTERM: stopping…\n'])
  })

  it('a second signal exits 1 at once, without closing twice', () => {
    let closed = 0
    const h = harness(() => {
      closed++
      return never()
    })
    h.stop('SIGINT')
    expect(h.exits).toEqual([])
    h.stop('SIGINT')
    expect([closed, h.exits]).toEqual([1, [1]])
    expect(h.err.join('')).toContain('SIGINT again: exiting without waiting')
  })

  it('a close that never ends is cut off at the deadline with exit 1', () => {
    const h = harness(never)
    h.stop('SIGTERM')
    expect(h.timers.map((t) => t.ms)).toEqual([STOP_DEADLINE_MS])
    h.timers[0]!.fn()
    expect(h.exits).toEqual([1])
    expect(h.err.join('')).toContain(`still stopping after ${STOP_DEADLINE_MS / 1000} s`)
  })

  it('a close that fails says why and exits 1', async () => {
    const h = harness(() => Promise.reject(new Error('store busy')))
    h.stop('SIGTERM')
    await new Promise((r) => setImmediate(r))
    expect(h.exits).toEqual([1])
    expect(h.err.join('')).toContain('error while stopping: Error: store busy')
  })
})
