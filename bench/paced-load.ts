/**
 * An open-loop load at a steady rate: one request every 1/rate s, whether or not earlier ones
 * have been answered, over a fixed pool of kept-alive connections. Each latency runs from the
 * moment the request is issued to the last byte of its answer, so a request that has to wait for
 * a free connection counts its wait (no coordinated omission). The client's own lateness (its
 * timers fire up to a millisecond or two after a request was due, more when its process is not
 * scheduled) is not the server's and is reported apart, with the latencies counted from when
 * each request was due.
 *
 * autocannon's own rate mode does not fit this: each connection sends its share of a second back
 * to back at the start of the second and then pauses, and it corrects latencies as if requests
 * were due 1 ms apart (`Math.ceil(1 / rate)`), adding samples that were never sent.
 */
import { Agent, get } from 'node:http'
import { performance } from 'node:perf_hooks'

export interface PacedOptions {
  url: string
  headers?: Record<string, string>
  /** Requests a second. */
  rate: number
  durationSec: number
  connections: number
}

/** A load's latencies (ms) and counts; the statuses benchmark reports autocannon's in the same form. */
export interface LoadResult {
  p50: number
  p90: number
  p99: number
  max: number
  /** Answered requests a second. */
  reqPerSec: number
  requests: number
  non2xx: number
  errors: number
  /** Bytes of the last answer's body, as sent (not decompressed). */
  responseBytes: number
  /** Paced loads only: latencies counted from when each request was due, and the client's lateness in issuing it. */
  fromDue?: Spread
  lateness?: Spread
}

/** Quantiles of a set of times (ms). */
export interface Spread {
  p50: number
  p99: number
  max: number
}

/** The `q` quantile of ascending `sorted` (nearest rank). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export async function pacedLoad(opts: PacedOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections })
  const intervalMs = 1000 / opts.rate
  const total = Math.round(opts.rate * opts.durationSec)
  const latencies: number[] = []
  const fromDue: number[] = []
  const lateness: number[] = []
  let non2xx = 0
  let errors = 0
  let responseBytes = 0
  let pending = 0
  let sent = 0
  const start = performance.now()

  await new Promise<void>((resolve) => {
    const settle = (): void => {
      pending--
      if (sent === total && pending === 0) resolve()
    }
    const send = (due: number): void => {
      pending++
      const issued = performance.now()
      lateness.push(issued - due)
      const req = get(opts.url, { agent, headers: opts.headers, timeout: 30_000 }, (res) => {
        let bytes = 0
        res.on('data', (chunk: Buffer) => (bytes += chunk.length))
        res.on('end', () => {
          const t = performance.now()
          latencies.push(t - issued)
          fromDue.push(t - due)
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++
          responseBytes = bytes
          settle()
        })
        res.on('error', () => {
          errors++
          settle()
        })
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => {
        errors++
        settle()
      })
    }
    // Sends what is due, then sleeps until the next one: the schedule does not drift with timers.
    const tick = (): void => {
      const now = performance.now()
      while (sent < total && start + sent * intervalMs <= now) send(start + sent++ * intervalMs)
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()))
      else if (pending === 0) resolve()
    }
    tick()
  })
  const elapsedSec = (performance.now() - start) / 1000
  agent.destroy()
  for (const l of [latencies, fromDue, lateness]) l.sort((a, b) => a - b)
  const round = (v: number): number => Math.round(v * 10) / 10
  const spread = (l: number[]): Spread => ({
    p50: round(quantile(l, 0.5)),
    p99: round(quantile(l, 0.99)),
    max: round(l.at(-1) ?? NaN),
  })
  return {
    p50: round(quantile(latencies, 0.5)),
    p90: round(quantile(latencies, 0.9)),
    p99: round(quantile(latencies, 0.99)),
    max: round(latencies.at(-1) ?? NaN),
    reqPerSec: latencies.length / elapsedSec,
    requests: latencies.length,
    non2xx,
    errors,
    responseBytes,
    fromDue: spread(fromDue),
    lateness: spread(lateness),
  }
}
