import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runWithLimits } from '../run-with-limits.js'
import { RunnerError, type RunnerEnvironment } from '../runner.js'
import { tempDir, testEnv, writeNodeScript } from '../runners.test-kit.js'
import type { OpenClawRunnerConfig } from './openclaw-config.js'
import { createOpenClawRunner } from './openclaw-runner.js'

/** A stand-in for the OpenClaw CLI: a real process that answers the way `agent --json` does. */
const FAKE_OPENCLAW = `
const args = process.argv.slice(2)
const message = args[args.indexOf('-m') + 1]
if (message === 'fail') { process.stderr.write('Error: No API key found for provider "anthropic"\\n'); process.exit(1) }
if (message === 'hang') { setInterval(() => {}, 1000) }
else if (message === 'legacy') { console.log('[agent] starting'); console.log(JSON.stringify({ result: { reply: 'old shape' } })) }
else console.log(JSON.stringify({
  payloads: [{ text: 'Reply to: ' + message }, { mediaUrl: 'https://example.test/a.png' }, { text: 'second part' }],
  meta: { durationMs: 12, agentMeta: { provider: 'anthropic', model: 'claude-test', usage: { input: 10, output: 5 } } },
  args,
  stateDir: process.env.OPENCLAW_STATE_DIR ?? null,
}))
`

async function rejection(promise: Promise<unknown>): Promise<RunnerError> {
  const error = await promise.then(
    () => new Error('expected the run to fail'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RunnerError)
  return error as RunnerError
}

describe('openclaw runner', () => {
  let t: ReturnType<typeof tempDir>
  let bin: string
  beforeEach(() => {
    t = tempDir()
    bin = writeNodeScript(t.dir, 'openclaw', FAKE_OPENCLAW)
  })
  afterEach(() => t.cleanup())

  const openclaw = (config: Omit<OpenClawRunnerConfig, 'kind'>, env: Partial<RunnerEnvironment> = {}) =>
    createOpenClawRunner({ kind: 'openclaw', openclaw_bin: bin, ...config }, testEnv(env))

  it('runs one local agent turn and takes the reply from the JSON', async () => {
    const chunks: string[] = []
    const result = await runWithLimits(openclaw({ agent: 'ops' }, { openclawDirs: ['/srv/openclaw-a', '/srv/openclaw-b'] }), {
      input: 'status?',
      onOutput: (c) => chunks.push(c),
    })
    expect(result.output).toBe('Reply to: status?\n\nsecond part')
    expect(chunks).toEqual([result.output])
    expect(result.meta).toMatchObject({ exit_code: 0, model: 'claude-test', provider: 'anthropic', usage: { input: 10, output: 5 } })
    expect(result.meta?.openclaw).toMatchObject({
      args: ['agent', '--local', '--agent', 'ops', '-m', 'status?', '--json'],
      stateDir: '/srv/openclaw-a',
    })
  })

  it('prefers the configured state dir and falls back to the agent under test', async () => {
    const result = await runWithLimits(openclaw({ state_dir: join(t.dir, 'state') }, { agentId: 'main', openclawDirs: ['/srv/other'] }), { input: '-h' })
    expect(result.meta?.openclaw).toMatchObject({ args: ['agent', '--local', '--agent', 'main', '-m', '-h', '--json'], stateDir: join(t.dir, 'state') })
  })

  it('finds the reply after log lines and in other shapes', async () => {
    const result = await runWithLimits(openclaw({ agent: 'ops' }), { input: 'legacy' })
    expect(result.output).toBe('old shape')
    expect(result.meta?.openclaw).toEqual({ result: { reply: 'old shape' } })
  })

  it('fails on a non-zero exit with the end of stderr', async () => {
    const error = await rejection(runWithLimits(openclaw({ agent: 'ops' }), { input: 'fail' }))
    expect(error.code).toBe('failed')
    expect(error.meta).toMatchObject({ exit_code: 1 })
    expect(error.meta?.stderr).toContain('No API key found')
    expect(error.message).toContain('No API key found')
  })

  it('is unavailable when the configured binary is missing', async () => {
    const error = await rejection(runWithLimits(openclaw({ agent: 'ops', openclaw_bin: join(t.dir, 'missing', 'openclaw') }), { input: 'x' }))
    expect(error.code).toBe('unavailable')
    expect(error.message).toContain('openclaw_bin')
  })

  describe('found on PATH', () => {
    let savedPath: string | undefined
    beforeEach(() => (savedPath = process.env.PATH))
    afterEach(() => {
      process.env.PATH = savedPath
    })

    it('runs `openclaw` from PATH when no binary is configured', async () => {
      process.env.PATH = `${t.dir}:${savedPath ?? ''}`
      const runner = createOpenClawRunner({ kind: 'openclaw', agent: 'ops' }, testEnv())
      expect((await runWithLimits(runner, { input: 'hi' })).output).toBe('Reply to: hi\n\nsecond part')
    })

    it('says how to install it when it is not on PATH', async () => {
      process.env.PATH = join(t.dir, 'empty')
      const runner = createOpenClawRunner({ kind: 'openclaw', agent: 'ops' }, testEnv())
      const error = await rejection(runWithLimits(runner, { input: 'hi' }))
      expect(error.code).toBe('unavailable')
      expect(error.message).toContain('npm install -g openclaw')
    })
  })

  it('is unavailable without an agent id', async () => {
    const error = await rejection(runWithLimits(openclaw({}), { input: 'x' }))
    expect(error.code).toBe('unavailable')
  })

  it('times out and stops the CLI', async () => {
    const error = await rejection(runWithLimits(openclaw({ agent: 'ops' }), { input: 'hang', timeoutMs: 300 }))
    expect(error.code).toBe('timeout')
    expect(error.partialOutput).toBeUndefined()
  })

  it('fails when the reply is over the cap', async () => {
    const error = await rejection(runWithLimits(openclaw({ agent: 'ops' }), { input: 'a long question', maxOutputBytes: 10 }))
    expect(error.code).toBe('output_too_large')
    expect(error.partialOutput).toBe('Reply to: ')
  })
})
