import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { lazyRequestLogger } from './request-logger.js'

function capture(): { lines: Record<string, unknown>[]; logger: pino.Logger } {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>)
      done()
    },
  })
  return { lines, logger: pino({ level: 'info' }, stream) }
}

describe('lazyRequestLogger', () => {
  it('makes no child until the request logs, then one, bound like the child Fastify would make', async () => {
    const { lines, logger } = capture()
    const child = vi.spyOn(logger, 'child')
    const log = lazyRequestLogger(logger, { reqId: 'req-7' }, {})
    expect(child).not.toHaveBeenCalled()
    expect(log.level).toBe('info')
    log.debug('below the level')
    log.warn({ code: 'X' }, 'first')
    log.error('second')
    expect(child).toHaveBeenCalledTimes(1)
    await new Promise((r) => setImmediate(r))
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([
      ['req-7', 'first'],
      ['req-7', 'second'],
    ])
    expect(lines[0]).toMatchObject({ code: 'X', level: 40 })
  })

  it('keeps a route log level, and its own children carry the request id', async () => {
    const { lines, logger } = capture()
    const log = lazyRequestLogger(logger, { reqId: 'req-8' }, { level: 'warn' })
    expect(log.level).toBe('warn')
    log.info('dropped: the route logs warnings and up')
    log.child({ part: 'body' }).warn('kept')
    await new Promise((r) => setImmediate(r))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ reqId: 'req-8', part: 'body', msg: 'kept' })
  })
})
