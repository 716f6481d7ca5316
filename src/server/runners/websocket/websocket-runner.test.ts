import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { runWithLimits } from '../run-with-limits.js'
import { RunnerError } from '../runner.js'
import { deferred, testEnv } from '../runners.test-kit.js'
import { createWebSocketRunner } from './websocket-runner.js'

interface TestServer {
  url: string
  /** Resolves with the close code the server saw. */
  closed: Promise<number>
  received: unknown[]
  headers: Record<string, string | string[] | undefined>[]
  close(): Promise<void>
}

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/** A real ws server; `onMessage` gets each message the runner sends, parsed. */
async function serve(onMessage: (socket: WebSocket, message: { type: string; content: string }) => void): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((r) => wss.once('listening', r))
  const closed = deferred<number>()
  const s: TestServer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/agent`,
    closed: closed.promise,
    received: [],
    headers: [],
    close: () => {
      for (const client of wss.clients) client.terminate()
      return new Promise((r) => wss.close(() => r()))
    },
  }
  wss.on('connection', (socket, req) => {
    s.headers.push(req.headers)
    socket.on('close', (code) => closed.resolve(code))
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string; content: string }
      s.received.push(message)
      onMessage(socket, message)
    })
  })
  servers.push(s)
  return s
}

const ws = (url: string, headers?: Record<string, string>) => createWebSocketRunner({ kind: 'websocket', url, ...(headers ? { headers } : {}) }, testEnv())

async function rejection(promise: Promise<unknown>): Promise<RunnerError> {
  const error = await promise.then(
    () => new Error('expected the run to fail'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RunnerError)
  return error as RunnerError
}

describe('websocket runner', () => {
  it('sends the input, streams chunks and ends on done', async () => {
    const server = await serve((socket, m) => {
      socket.send(JSON.stringify({ type: 'typing' }))
      socket.send(JSON.stringify({ type: 'chunk', content: 'You said: ' }))
      socket.send(JSON.stringify({ type: 'delta', content: m.content }))
      socket.send(JSON.stringify({ type: 'done', content: '!' }))
    })
    const chunks: string[] = []
    const result = await runWithLimits(ws(server.url, { Authorization: 'Bearer t' }), { input: 'ping', onOutput: (c) => chunks.push(c) })
    expect(chunks).toEqual(['You said: ', 'ping', '!'])
    expect(result.output).toBe('You said: ping!')
    expect(result.meta).toEqual({ messages: 4 })
    expect(server.received).toEqual([{ type: 'message', content: 'ping' }])
    expect(server.headers[0]?.authorization).toBe('Bearer t')
    expect(await server.closed).toBe(1000)
  })

  it('takes plain text replies and ends when the server closes normally', async () => {
    const server = await serve((socket) => {
      socket.send('plain ')
      socket.send('{"not":"typed"}')
      socket.close(1000)
    })
    const result = await runWithLimits(ws(server.url), { input: 'x' })
    expect(result.output).toBe('plain {"not":"typed"}')
  })

  it('ends on a final message with content', async () => {
    const server = await serve((socket) => socket.send(JSON.stringify({ type: 'final', content: 'all of it' })))
    expect((await runWithLimits(ws(server.url), { input: 'x' })).output).toBe('all of it')
  })

  it('fails on an error message, keeping what came before', async () => {
    const server = await serve((socket) => {
      socket.send(JSON.stringify({ type: 'chunk', content: 'half' }))
      socket.send(JSON.stringify({ type: 'error', message: 'tool crashed' }))
    })
    const error = await rejection(runWithLimits(ws(server.url), { input: 'x' }))
    expect(error.code).toBe('failed')
    expect(error.message).toContain('tool crashed')
    expect(error.partialOutput).toBe('half')
  })

  it('fails when the server closes before any reply', async () => {
    const server = await serve((socket) => socket.close(1000))
    const error = await rejection(runWithLimits(ws(server.url), { input: 'x' }))
    expect(error.code).toBe('failed')
    expect(error.meta).toMatchObject({ close_code: 1000 })
  })

  it('cancelling closes the socket', async () => {
    const server = await serve((socket) => socket.send(JSON.stringify({ type: 'chunk', content: 'thinking…' })))
    const cancel = new AbortController()
    const error = await rejection(runWithLimits(ws(server.url), { input: 'x', signal: cancel.signal, onOutput: () => cancel.abort() }))
    expect(error.code).toBe('cancelled')
    expect(error.partialOutput).toBe('thinking…')
    await server.closed
  })

  it('times out a server that never finishes, and closes the socket', async () => {
    const server = await serve(() => {})
    const error = await rejection(runWithLimits(ws(server.url), { input: 'x', timeoutMs: 300 }))
    expect(error.code).toBe('timeout')
    await server.closed
  })

  it('cuts the output at the cap and closes the socket', async () => {
    const server = await serve((socket) => {
      for (let i = 0; i < 10; i++) socket.send(JSON.stringify({ type: 'chunk', content: '0123456789' }))
    })
    const error = await rejection(runWithLimits(ws(server.url), { input: 'x', maxOutputBytes: 25 }))
    expect(error.code).toBe('output_too_large')
    expect(error.partialOutput).toBe('0123456789012345678901234')
    await server.closed
  })

  it('refuses a single message far beyond the cap', async () => {
    const server = await serve((socket) => socket.send('z'.repeat(200_000)))
    const error = await rejection(runWithLimits(ws(server.url), { input: 'x', maxOutputBytes: 1000 }))
    expect(error.code).toBe('output_too_large')
  })

  it('fails when the server refuses the upgrade', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (_info, done) => done(false, 401, 'Unauthorized') })
    await new Promise<void>((r) => wss.once('listening', r))
    try {
      const error = await rejection(runWithLimits(ws(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`), { input: 'x' }))
      expect(error.code).toBe('failed')
      expect(error.message).toContain('401')
    } finally {
      await new Promise((r) => wss.close(r))
    }
  })

  it('reports a server that cannot be reached as unavailable', async () => {
    const server = await serve(() => {})
    const url = server.url
    await server.close()
    const error = await rejection(runWithLimits(ws(url), { input: 'x' }))
    expect(error.code).toBe('unavailable')
  })
})
