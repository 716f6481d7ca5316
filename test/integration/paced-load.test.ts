/** The benchmark's paced client against a real HTTP server: every request sent, each counted once. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pacedLoad, quantile } from '../../bench/paced-load.js'

let server: Server
let url: string
let seen = 0
let maxOpen = 0
let open = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    seen++
    open++
    maxOpen = Math.max(maxOpen, open)
    // Every fifth answer is held back, and every seventh is an error.
    const n = seen
    setTimeout(
      () => {
        open--
        res.writeHead(n % 7 === 0 ? 503 : 200, { 'content-type': 'text/plain' })
        res.end('x'.repeat(1000))
      },
      n % 5 === 0 ? 40 : 0,
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('pacedLoad', () => {
  it('sends rate × duration requests over at most the given connections and counts each answer', async () => {
    const r = await pacedLoad({ url, rate: 40, durationSec: 1, connections: 2 })
    expect(seen).toBe(40)
    expect(r.requests).toBe(40)
    expect(r.errors).toBe(0)
    expect(r.non2xx).toBe(5) // 7, 14, 21, 28, 35
    expect(r.responseBytes).toBe(1000)
    expect(maxOpen).toBeLessThanOrEqual(2)
    // A held-back answer counts its whole wait from when it was issued.
    expect(r.max).toBeGreaterThanOrEqual(40)
    expect(r.p50).toBeLessThanOrEqual(r.p90)
    expect(r.p90).toBeLessThanOrEqual(r.p99)
    expect(r.p99).toBeLessThanOrEqual(r.max)
    // Counted from when each request was due, the client's own lateness is added: never less.
    expect(r.fromDue!.p50).toBeGreaterThanOrEqual(r.p50)
    expect(r.fromDue!.p99).toBeGreaterThanOrEqual(r.p99)
    expect(r.fromDue!.max).toBeGreaterThanOrEqual(r.max)
    expect(r.lateness!.p50).toBeGreaterThanOrEqual(0)
    expect(r.lateness!.p99).toBeLessThanOrEqual(r.lateness!.max)
  })

  it('counts a wait for a free connection as latency', async () => {
    // One connection and answers held 40 ms at 100 requests a second: each request queues behind
    // the ones before it, and that queue is the server's doing, so it counts.
    const slow = createServer((_req, res) => setTimeout(() => res.end('x'), 40))
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r))
    try {
      const r = await pacedLoad({ url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, rate: 100, durationSec: 0.2, connections: 1 })
      expect(r.requests).toBe(20)
      // The last of 20 requests waited for the 19 before it: about 19 × 40 ms less the 190 ms of schedule.
      expect(r.max).toBeGreaterThan(400)
      expect(r.lateness!.p99).toBeLessThan(r.max)
    } finally {
      await new Promise<void>((r) => slow.close(() => r()))
    }
  })

  it('counts a refused connection as an error, not an answer', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const r = await pacedLoad({ url: `http://127.0.0.1:${port}/`, rate: 10, durationSec: 0.5, connections: 1 })
    expect([r.requests, r.errors]).toEqual([0, 5])
  })
})

describe('quantile', () => {
  it('takes the nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1)
    expect([quantile(v, 0.5), quantile(v, 0.9), quantile(v, 0.99), quantile(v, 1)]).toEqual([50, 90, 99, 100])
    expect(quantile([7], 0.99)).toBe(7)
    expect(quantile([], 0.5)).toBeNaN()
  })
})
