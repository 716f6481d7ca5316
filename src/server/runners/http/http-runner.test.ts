import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runWithLimits } from '../run-with-limits.js'
import { RunnerError } from '../runner.js'
import { deferred, testEnv } from '../runners.test-kit.js'
import type { HttpRunnerConfig } from './http-config.js'
import { createHttpRunner } from './http-runner.js'

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

interface TestServer {
  url: string
  /** Resolves when a request's connection closed before its response ended. */
  aborted: Promise<void>
  requests: { headers: IncomingMessage['headers']; body: unknown }[]
  close(): Promise<void>
}

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(handler: Handler): Promise<TestServer> {
  const aborted = deferred()
  const requests: TestServer['requests'] = []
  const server: Server = createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) aborted.resolve()
    })
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(body) as unknown })
      handler(req, res, body)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  const s: TestServer = {
    url: `http://127.0.0.1:${port}/agent`,
    aborted: aborted.promise,
    requests,
    close: () => {
      server.closeAllConnections()
      return new Promise((r) => server.close(() => r()))
    },
  }
  servers.push(s)
  return s
}

const sse = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
}
const delta = (content: string): string =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'test-model', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`

const http = (config: Omit<HttpRunnerConfig, 'kind'>) => createHttpRunner({ kind: 'http', ...config }, testEnv())

async function rejection(promise: Promise<unknown>): Promise<RunnerError> {
  const error = await promise.then(
    () => new Error('expected the run to fail'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RunnerError)
  return error as RunnerError
}

describe('http runner, raw', () => {
  it('posts {input} and takes the output field of a JSON answer', async () => {
    const server = await serve((_req, res, body) => {
      const { input } = JSON.parse(body) as { input: string }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ output: `echo: ${input}`, extra: true }))
    })
    const result = await runWithLimits(http({ url: server.url, headers: { 'X-Api-Key': 'k1' } }), { input: 'hi "there"' })
    expect(result.output).toBe('echo: hi "there"')
    expect(result.meta).toEqual({ status: 200 })
    expect(server.requests[0]?.body).toEqual({ input: 'hi "there"' })
    expect(server.requests[0]?.headers['x-api-key']).toBe('k1')
    expect(server.requests[0]?.headers['content-type']).toBe('application/json')
  })

  it('streams a text answer as it arrives', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      res.write('first ')
      setTimeout(() => res.end('second'), 50)
    })
    const chunks: string[] = []
    const result = await runWithLimits(http({ url: server.url }), { input: 'x', onOutput: (c) => chunks.push(c) })
    expect(result.output).toBe('first second')
    expect(chunks.join('')).toBe('first second')
  })

  it('keeps a JSON answer without an output field as it is', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"reply":"x"}')
    })
    expect((await runWithLimits(http({ url: server.url }), { input: 'x' })).output).toBe('{"reply":"x"}')
  })

  it('fails on a non-2xx status with the status and the start of the body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' })
      res.end('model overloaded, try later')
    })
    const error = await rejection(runWithLimits(http({ url: server.url }), { input: 'x' }))
    expect(error.code).toBe('failed')
    expect(error.meta).toEqual({ status: 503 })
    expect(error.message).toContain('model overloaded')
  })

  it('cuts the output at the cap', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('a'.repeat(5000))
    })
    const error = await rejection(runWithLimits(http({ url: server.url }), { input: 'x', maxOutputBytes: 100 }))
    expect(error.code).toBe('output_too_large')
    expect(error.partialOutput).toBe('a'.repeat(100))
  })

  it('stops reading a response that never ends once over the cap, and closes the connection', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      const timer = setInterval(() => res.write('b'.repeat(1000)), 5)
      res.on('close', () => clearInterval(timer))
    })
    const error = await rejection(runWithLimits(http({ url: server.url }), { input: 'x', maxOutputBytes: 10_000 }))
    expect(error.code).toBe('output_too_large')
    await server.aborted
  })

  it('refuses a JSON document far beyond the cap', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ output: 'c'.repeat(200_000) }))
    })
    const error = await rejection(runWithLimits(http({ url: server.url }), { input: 'x', maxOutputBytes: 1000 }))
    expect(error.code).toBe('output_too_large')
  })

  it('reports a server that cannot be reached as unavailable', async () => {
    const server = await serve(() => {})
    const url = server.url
    await server.close()
    const error = await rejection(runWithLimits(http({ url }), { input: 'x' }))
    expect(error.code).toBe('unavailable')
  })

  it('times out a server that does not answer, and closes the connection', async () => {
    const server = await serve(() => {})
    const error = await rejection(runWithLimits(http({ url: server.url }), { input: 'x', timeoutMs: 300 }))
    expect(error.code).toBe('timeout')
    await server.aborted
  })
})

describe('http runner, openai-chat', () => {
  it('streams the deltas of an SSE answer and keeps model and usage', async () => {
    const server = await serve((_req, res) => {
      sse(res)
      res.write(': comment\n\n')
      res.write(delta('Hel'))
      res.write(delta('lo, '))
      // One event split across writes.
      const last = delta('world')
      res.write(last.slice(0, 20))
      setTimeout(() => {
        res.write(last.slice(20))
        res.write(`data: ${JSON.stringify({ model: 'test-model', choices: [], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } })}\n\n`)
        res.end('data: [DONE]\n\n')
      }, 30)
    })
    const chunks: string[] = []
    const result = await runWithLimits(http({ url: server.url, format: 'openai-chat', model: 'gpt-test' }), { input: 'say hello', onOutput: (c) => chunks.push(c) })
    expect(chunks).toEqual(['Hel', 'lo, ', 'world'])
    expect(result.output).toBe('Hello, world')
    expect(result.meta).toEqual({ status: 200, model: 'test-model', usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } })
    expect(server.requests[0]?.body).toEqual({ model: 'gpt-test', messages: [{ role: 'user', content: 'say hello' }], stream: true })
  })

  it('takes choices[0].message.content from a server that does not stream', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'whole answer' } }], usage: { total_tokens: 9 } }))
    })
    const result = await runWithLimits(http({ url: server.url, format: 'openai-chat', model: 'm' }), { input: 'x' })
    expect(result.output).toBe('whole answer')
    expect(result.meta).toEqual({ status: 200, model: 'm', usage: { total_tokens: 9 } })
  })

  it('fails on an error event in the stream, keeping what came before', async () => {
    const server = await serve((_req, res) => {
      sse(res)
      res.write(delta('partial'))
      res.end(`data: ${JSON.stringify({ error: { message: 'rate limited' } })}\n\n`)
    })
    const error = await rejection(runWithLimits(http({ url: server.url, format: 'openai-chat' }), { input: 'x' }))
    expect(error.code).toBe('failed')
    expect(error.message).toContain('rate limited')
    expect(error.partialOutput).toBe('partial')
  })

  it('fails on a non-2xx status', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end('{"error":{"message":"bad key"}}')
    })
    const error = await rejection(runWithLimits(http({ url: server.url, format: 'openai-chat' }), { input: 'x' }))
    expect(error.code).toBe('failed')
    expect(error.meta).toEqual({ status: 401 })
  })

  it('cancelling mid-stream aborts the request', async () => {
    const server = await serve((_req, res) => {
      sse(res)
      res.write(delta('first'))
    })
    const cancel = new AbortController()
    const run = runWithLimits(http({ url: server.url, format: 'openai-chat' }), { input: 'x', signal: cancel.signal, onOutput: () => cancel.abort() })
    const error = await rejection(run)
    expect(error.code).toBe('cancelled')
    expect(error.partialOutput).toBe('first')
    await server.aborted
  })

  it('times out a stream that stalls', async () => {
    const server = await serve((_req, res) => {
      sse(res)
      res.write(delta('slow'))
    })
    // Generous, so the first delta has arrived by then even on a slow machine.
    const error = await rejection(runWithLimits(http({ url: server.url, format: 'openai-chat' }), { input: 'x', timeoutMs: 1500 }))
    expect(error.code).toBe('timeout')
    expect(error.partialOutput).toBe('slow')
    await server.aborted
  })

  it('stops at the cap and closes the connection', async () => {
    const server = await serve((_req, res) => {
      sse(res)
      const timer = setInterval(() => res.write(delta('0123456789')), 5)
      res.on('close', () => clearInterval(timer))
    })
    const error = await rejection(runWithLimits(http({ url: server.url, format: 'openai-chat' }), { input: 'x', maxOutputBytes: 25 }))
    expect(error.code).toBe('output_too_large')
    expect(error.partialOutput).toBe('0123456789012345678901234')
    await server.aborted
  })
})
