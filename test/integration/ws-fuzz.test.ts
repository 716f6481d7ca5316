/**
 * `/ws` over a real socket with damaged client messages: copies of good `subscribe`, `unsubscribe`
 * and `ping` messages with fields removed or replaced, and frames that are not JSON at all. The
 * server answers each with an `error` message or what the message asks for; it never closes the
 * socket for an internal error, and a good `ping` sent after all of them is still answered. The
 * damage comes from a seeded generator, so a failure is reproducible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { mutants } from '../helpers/mutations.js'
import { copyFixture, removeTempDirs, startServer, waitFor, type ServerProcess } from '../helpers/test-server.js'

let server: ServerProcess

beforeAll(async () => {
  server = await startServer({ openclawDirs: [await copyFixture('openclaw-2026.9.6')] })
})

afterAll(async () => {
  await server?.close()
  await removeTempDirs()
})

const GOOD: unknown[] = [
  { type: 'subscribe', topics: ['agents', 'pool:build', 'conversations', 'executions'], since: 0 },
  { type: 'unsubscribe', topics: ['agents'] },
  { type: 'ping', t: 1795344640000 },
]
const NOT_JSON = ['', '{', 'null', '[]', '"text"', '1e999', '{"type":', '['.repeat(10_000), '\u0000', '{"__proto__":{"type":"ping"}}']

describe('/ws with damaged client messages', () => {
  it('answers each with an error or what it asks for, never an internal close, and still answers a good ping', async () => {
    const origin = server.url
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`, ['switchboard.v1', `bearer.${server.token}`], { origin })
    const got: { type: string; data: unknown }[] = []
    let closed: number | null = null
    ws.on('message', (raw: Buffer) => got.push(JSON.parse(raw.toString()) as { type: string; data: unknown }))
    ws.on('close', (code) => (closed = code))
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    try {
      let sent = 0
      for (const frame of NOT_JSON) {
        ws.send(frame)
        sent++
      }
      ws.send(Buffer.from([0xff, 0x00, 0x80]), { binary: true })
      for (const message of mutants(GOOD, 11, 150)) {
        ws.send(JSON.stringify(message))
        sent++
      }
      expect(sent).toBeGreaterThan(400)
      ws.send(JSON.stringify({ type: 'ping', t: 42 }))
      await waitFor(() => got.some((m) => m.type === 'pong' && (m.data as { t: unknown }).t === 42), 'the last pong', 15_000)
      expect(closed).toBeNull()
      // Damaged messages were refused with a catalogued error message, not ignored in silence.
      const errors = got.filter((m) => m.type === 'error')
      expect(errors.length).toBeGreaterThan(50)
      for (const e of errors) expect((e.data as { code: unknown }).code).toMatch(/^SWB_/)
    } finally {
      ws.close()
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })
})
