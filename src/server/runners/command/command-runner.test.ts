import { existsSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runWithLimits } from '../run-with-limits.js'
import { RunnerError } from '../runner.js'
import { isGone, tempDir, testEnv } from '../runners.test-kit.js'
import type { CommandRunnerConfig } from './command-config.js'
import { createCommandRunner, type CommandRunnerOptions } from './command-runner.js'

const node = process.execPath
const command = (config: Omit<CommandRunnerConfig, 'kind'>, options?: CommandRunnerOptions) =>
  createCommandRunner({ kind: 'command', ...config }, testEnv(), options)

async function rejection(promise: Promise<unknown>): Promise<RunnerError> {
  const error = await promise.then(
    () => new Error('expected the run to fail'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RunnerError)
  return error as RunnerError
}

/** Pids printed one a line by a shell script, as they arrive. */
function pidCollector(): { onOutput: (chunk: string) => void; pids: () => number[] } {
  let text = ''
  return {
    onOutput: (chunk) => (text += chunk),
    pids: () => text.split('\n').filter((l) => /^\d+$/.test(l)).map(Number),
  }
}

describe('command runner', () => {
  let t: ReturnType<typeof tempDir>
  beforeEach(() => (t = tempDir()))
  afterEach(() => t.cleanup())

  it('passes the input on stdin and returns stdout', async () => {
    const result = await runWithLimits(command({ command: 'tr', args: ['a-z', 'A-Z'] }), { input: 'hello, agent' })
    expect(result.output).toBe('HELLO, AGENT')
    expect(result.meta).toMatchObject({ exit_code: 0, signal: null })
  })

  it('passes the input as the last argument', async () => {
    const result = await runWithLimits(command({ command: 'printf', args: ['[%s]'], input_mode: 'argument' }), { input: 'two words' })
    expect(result.output).toBe('[two words]')
  })

  it('runs in cwd with the extra environment', async () => {
    const result = await runWithLimits(command({ command: 'sh', args: ['-c', 'printf "%s %s" "$(pwd)" "$SWB_TEST_VAR"'], cwd: t.dir, env: { SWB_TEST_VAR: 'set' } }), { input: '' })
    expect(result.output).toBe(`${realpathSync(t.dir)} set`)
  })

  it('fails on a non-zero exit with the exit code and stderr', async () => {
    const error = await rejection(runWithLimits(command({ command: 'sh', args: ['-c', 'echo partial; echo "something broke" >&2; exit 3'] }), { input: '' }))
    expect(error.code).toBe('failed')
    expect(error.meta).toMatchObject({ exit_code: 3, signal: null })
    expect(error.meta?.stderr).toContain('something broke')
    expect(error.partialOutput).toBe('partial\n')
  })

  it('streams stdout while the process runs, in order', async () => {
    // The script writes a line, then waits until the test has seen it before writing the next.
    const script = `
      const fs = require('node:fs')
      const dir = process.argv[1]
      const seen = (n) => new Promise((r) => { const t = setInterval(() => { if (fs.existsSync(dir + '/seen-' + n)) { clearInterval(t); r() } }, 10) })
      ;(async () => { for (const [i, w] of ['one', 'two', 'three'].entries()) { process.stdout.write(w + '\\n'); await seen(i) } })()`
    const chunks: string[] = []
    const result = await runWithLimits(command({ command: node, args: ['-e', script, t.dir] }), {
      input: '',
      onOutput: (chunk) => {
        writeFileSync(join(t.dir, `seen-${chunks.length}`), '')
        chunks.push(chunk)
      },
    })
    expect(chunks).toEqual(['one\n', 'two\n', 'three\n'])
    expect(result.output).toBe('one\ntwo\nthree\n')
  })

  it('decodes a UTF-8 character split across chunks', async () => {
    // "a" and the first two bytes of "€" (E2 82 AC), then, once "a" was seen, the last byte and "b".
    const script = `
      const fs = require('node:fs')
      process.stdout.write(Buffer.from([0x61, 0xe2, 0x82]))
      const t = setInterval(() => { if (fs.existsSync(process.argv[1] + '/go')) { clearInterval(t); process.stdout.write(Buffer.from([0xac, 0x62])) } }, 10)`
    const chunks: string[] = []
    const result = await runWithLimits(command({ command: node, args: ['-e', script, t.dir] }), {
      input: '',
      onOutput: (chunk) => {
        chunks.push(chunk)
        writeFileSync(join(t.dir, 'go'), '')
      },
    })
    expect(result.output).toBe('a€b')
    expect(chunks).toEqual(['a', '€b'])
  })

  it('cancelling kills the whole process tree', async () => {
    const pids = pidCollector()
    const cancel = new AbortController()
    const run = runWithLimits(command({ command: 'sh', args: ['-c', 'echo $$; sleep 30 & echo $!; sleep 30 & echo $!; wait'] }), {
      input: '',
      signal: cancel.signal,
      onOutput: (chunk) => {
        pids.onOutput(chunk)
        if (pids.pids().length === 3) cancel.abort()
      },
    })
    const error = await rejection(run)
    expect(error.code).toBe('cancelled')
    expect(pids.pids()).toHaveLength(3)
    // Settled means stopped: no waiting here.
    for (const pid of pids.pids()) expect(isGone(pid), `pid ${pid}`).toBe(true)
  })

  it('sends SIGKILL after the grace period to a tree that ignores SIGTERM', async () => {
    const pids = pidCollector()
    const cancel = new AbortController()
    // Ignored signals stay ignored in children, so the sleeps ignore SIGTERM too.
    const run = runWithLimits(command({ command: 'sh', args: ['-c', 'trap "" TERM; sleep 30 & echo $!; sleep 30 & echo $!; wait; wait'] }, { killGraceMs: 300 }), {
      input: '',
      signal: cancel.signal,
      onOutput: (chunk) => {
        pids.onOutput(chunk)
        if (pids.pids().length === 2) cancel.abort()
      },
    })
    const error = await rejection(run)
    expect(error.code).toBe('cancelled')
    for (const pid of pids.pids()) expect(isGone(pid), `pid ${pid}`).toBe(true)
  })

  it('settles even when a process that left the group holds stdout open', async () => {
    if (!existsSync('/usr/bin/setsid') && !existsSync('/bin/setsid')) return
    const pids = pidCollector()
    const cancel = new AbortController()
    const run = runWithLimits(command({ command: 'sh', args: ['-c', 'setsid sh -c "echo \\$\\$; exec sleep 30" & sleep 30'] }, { killGraceMs: 200 }), {
      input: '',
      signal: cancel.signal,
      onOutput: (chunk) => {
        pids.onOutput(chunk)
        if (pids.pids().length === 1) cancel.abort()
      },
    })
    try {
      expect((await rejection(run)).code).toBe('cancelled')
    } finally {
      for (const pid of pids.pids()) process.kill(pid, 'SIGKILL')
    }
  })

  it('times out and stops the process', async () => {
    // Generous, so the shell has printed its pid by then even on a slow machine.
    const error = await rejection(runWithLimits(command({ command: 'sh', args: ['-c', 'echo $$; exec sleep 30'] }), { input: '', timeoutMs: 1500 }))
    expect(error.code).toBe('timeout')
    expect(error.partialOutput).toMatch(/^\d+\n$/)
    expect(isGone(Number(error.partialOutput))).toBe(true)
  })

  it('stops reading and kills the process when the output goes over the cap', async () => {
    const pids = pidCollector()
    const run = runWithLimits(command({ command: 'sh', args: ['-c', 'echo $$ >&2; exec yes'] }), { input: '', maxOutputBytes: 1000 })
    const error = await rejection(run)
    expect(error.code).toBe('output_too_large')
    expect(error.partialOutput).toBe('y\n'.repeat(500))
    pids.onOutput(String(error.meta?.stderr))
    expect(pids.pids()).toHaveLength(1)
    for (const pid of pids.pids()) expect(isGone(pid)).toBe(true)
  })

  it('cuts the output at a character boundary', async () => {
    const error = await rejection(runWithLimits(command({ command: 'printf', args: ['ab€cd'] }), { input: '', maxOutputBytes: 4 }))
    expect(error.code).toBe('output_too_large')
    expect(error.partialOutput).toBe('ab')
  })

  it('reports a missing command as unavailable', async () => {
    const error = await rejection(runWithLimits(command({ command: 'swb-no-such-command-7f3a' }), { input: 'x' }))
    expect(error.code).toBe('unavailable')
  })

  it('reports a missing working directory as unavailable', async () => {
    const error = await rejection(runWithLimits(command({ command: 'true', cwd: join(t.dir, 'nope') }), { input: '' }))
    expect(error.code).toBe('unavailable')
  })

  it('fails on a non-executable file', async () => {
    const path = join(t.dir, 'not-executable')
    writeFileSync(path, 'echo hi\n', { mode: 0o644 })
    const error = await rejection(runWithLimits(command({ command: path }), { input: '' }))
    expect(error.code).toBe('unavailable')
  })

  it('does not start when already cancelled', async () => {
    const cancel = new AbortController()
    cancel.abort()
    const chunks: string[] = []
    const error = await rejection(runWithLimits(command({ command: 'sh', args: ['-c', 'echo started'] }), { input: '', signal: cancel.signal, onOutput: (c) => chunks.push(c) }))
    expect(error.code).toBe('cancelled')
    expect(chunks).toEqual([])
  })
})
