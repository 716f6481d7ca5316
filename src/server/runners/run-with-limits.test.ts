import { describe, expect, it } from 'vitest'
import { abortReason } from './runner-errors.js'
import { runWithLimits } from './run-with-limits.js'
import { RunnerError, type RunContext, type Runner, type RunResult } from './runner.js'

/**
 * A small in-memory runner: emits its chunks, then waits for `finish` or the signal. It stops
 * only after `stopDelayMs`, like real work that takes a moment to wind down.
 */
function fakeRunner(o: { chunks?: string[]; finish?: Promise<RunResult>; stopDelayMs?: number; throws?: unknown } = {}) {
  const seen: { ctx?: RunContext; stoppedAt?: number } = {}
  const runner: Runner = {
    kind: 'command',
    run(ctx) {
      seen.ctx = ctx
      if (o.throws !== undefined) return Promise.reject(o.throws)
      return new Promise((resolve, reject) => {
        ctx.signal.addEventListener('abort', () =>
          setTimeout(() => {
            seen.stoppedAt = Date.now()
            reject(abortReason(ctx.signal))
          }, o.stopDelayMs ?? 0),
        )
        for (const c of o.chunks ?? []) ctx.onOutput(c)
        o.finish?.then(resolve, reject)
      })
    },
  }
  return { runner, seen }
}

async function rejection(promise: Promise<unknown>): Promise<RunnerError> {
  const error = await promise.then(
    () => new Error('expected the run to fail'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RunnerError)
  return error as RunnerError
}

describe('runWithLimits', () => {
  it('passes the input, the cap and the output through, with defaults', async () => {
    const { runner, seen } = fakeRunner({ chunks: ['a', 'b'], finish: Promise.resolve({ output: 'ab' }) })
    const chunks: string[] = []
    expect(await runWithLimits(runner, { input: 'in', onOutput: (c) => chunks.push(c) })).toEqual({ output: 'ab' })
    expect(chunks).toEqual(['a', 'b'])
    expect(seen.ctx?.input).toBe('in')
    expect(seen.ctx?.maxOutputBytes).toBe(1024 * 1024)
  })

  it('aborts with timeout, and settles only when the runner has stopped', async () => {
    const { runner, seen } = fakeRunner({ stopDelayMs: 100 })
    const error = await rejection(runWithLimits(runner, { input: '', timeoutMs: 100 }))
    expect(error.code).toBe('timeout')
    expect(seen.stoppedAt).toBeDefined()
    expect(seen.ctx?.signal.aborted).toBe(true)
  })

  it('aborts with cancelled when the outer signal fires', async () => {
    const cancel = new AbortController()
    const { runner } = fakeRunner()
    const run = runWithLimits(runner, { input: '', signal: cancel.signal, timeoutMs: 60_000 })
    cancel.abort()
    expect((await rejection(run)).code).toBe('cancelled')
  })

  it('does not run at all when already cancelled', async () => {
    const cancel = new AbortController()
    cancel.abort()
    const { runner, seen } = fakeRunner({ finish: Promise.resolve({ output: 'x' }) })
    expect((await rejection(runWithLimits(runner, { input: '', signal: cancel.signal }))).code).toBe('cancelled')
    expect(seen.ctx).toBeUndefined()
  })

  it('stops the run when the output handler throws', async () => {
    const { runner } = fakeRunner({ chunks: ['boom'] })
    const error = await rejection(
      runWithLimits(runner, {
        input: '',
        onOutput: () => {
          throw new Error('store is down')
        },
      }),
    )
    expect(error.code).toBe('failed')
    expect(error.message).toContain('store is down')
  })

  it('fails a run whose last output could not be handled, even if the runner finished', async () => {
    const { runner } = fakeRunner({ chunks: ['last'], finish: Promise.resolve({ output: 'last' }) })
    const error = await rejection(
      runWithLimits(runner, {
        input: '',
        onOutput: () => {
          throw new Error('store is down')
        },
      }),
    )
    expect(error.code).toBe('failed')
  })

  it('wraps errors that are not RunnerErrors as failed', async () => {
    const { runner } = fakeRunner({ throws: new TypeError('bug') })
    const error = await rejection(runWithLimits(runner, { input: '' }))
    expect(error.code).toBe('failed')
  })

  it('never passes output on after settling', async () => {
    const { runner, seen } = fakeRunner({ finish: Promise.resolve({ output: '' }) })
    const chunks: string[] = []
    await runWithLimits(runner, { input: '', onOutput: (c) => chunks.push(c) })
    seen.ctx?.onOutput('late')
    expect(chunks).toEqual([])
  })
})
