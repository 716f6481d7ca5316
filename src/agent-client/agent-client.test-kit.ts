/**
 * Test kit: a real local HTTP server that answers pings from a script, and a hand-driven timer.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SetTimer } from './agent-reporter.js'

export interface ReceivedPing {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: unknown
}

/** How to answer one request: status, JSON body (or raw text), headers; `hang` never answers. */
export type Answer = { status: number; json?: unknown; text?: string; headers?: Record<string, string> } | 'hang'

export const ACCEPTED = { status: 200, json: { accepted: true, server_time: 1_700_000_000_000, offline_after_sec: 30 } } as const

export interface PingServer {
  url: string
  received: ReceivedPing[]
  /** Answers for the next requests, in order; when they run out, `fallback` answers. */
  script(...answers: Answer[]): void
  fallback: Answer
  close(): Promise<void>
}

export async function startPingServer(fallback: Answer = ACCEPTED): Promise<PingServer> {
  const queue: Answer[] = []
  const received: ReceivedPing[] = []
  const hanging: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // Keep the raw text.
      }
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const answer = queue.shift() ?? handle.fallback
      if (answer === 'hang') {
        hanging.push(res)
        return
      }
      const payload = answer.text ?? JSON.stringify(answer.json ?? {})
      res.writeHead(answer.status, { 'content-type': answer.text !== undefined ? 'text/html' : 'application/json', ...answer.headers })
      res.end(payload)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const handle: PingServer = {
    url: `http://127.0.0.1:${port}`,
    received,
    fallback,
    script: (...answers) => queue.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return handle
}

/** A `SetTimer` the test fires by hand: `next()` resolves with the delay of the next armed timer. */
export function createManualTimer(): { setTimer: SetTimer; next(): Promise<{ ms: number; fire(): void }>; armed(): number } {
  const pending: { ms: number; fn: () => void; cancelled: boolean }[] = []
  const waiters: (() => void)[] = []
  return {
    setTimer(fn, ms) {
      const t = { ms, fn, cancelled: false }
      pending.push(t)
      waiters.splice(0).forEach((w) => w())
      return () => {
        t.cancelled = true
      }
    },
    async next() {
      for (;;) {
        const i = pending.findIndex((t) => !t.cancelled)
        if (i >= 0) {
          const [t] = pending.splice(i, 1)
          return { ms: t!.ms, fire: () => t!.fn() }
        }
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
    armed: () => pending.filter((t) => !t.cancelled).length,
  }
}
