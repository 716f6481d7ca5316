import { describe, expect, it } from 'vitest'
import type { RunnerConfig } from '../../shared/executions.js'
import { createRunner, RUNNER_KINDS, validateRunnerConfig } from './registry.js'
import { runWithLimits } from './run-with-limits.js'
import { testEnv } from './runners.test-kit.js'

describe('runner registry', () => {
  it('creates a runner of each kind', () => {
    const configs: RunnerConfig[] = [
      { kind: 'openclaw', agent: 'main' },
      { kind: 'command', command: 'cat' },
      { kind: 'http', url: 'http://127.0.0.1:9/agent' },
      { kind: 'websocket', url: 'ws://127.0.0.1:9/agent' },
    ]
    expect(configs.map((c) => createRunner(c, testEnv()).kind)).toEqual(['openclaw', 'command', 'http', 'websocket'])
    expect([...RUNNER_KINDS].sort()).toEqual(['command', 'http', 'openclaw', 'websocket'])
  })

  it('creates runners that run', async () => {
    const runner = createRunner({ kind: 'command', command: 'cat' }, testEnv())
    expect((await runWithLimits(runner, { input: 'through the registry' })).output).toBe('through the registry')
  })
})

describe('runner config validation', () => {
  const ok = (raw: unknown) => {
    const r = validateRunnerConfig(raw)
    if (!r.ok) throw new Error(`expected valid, got ${r.field}: ${r.message}`)
    return r.value
  }
  const bad = (raw: unknown) => {
    const r = validateRunnerConfig(raw)
    if (r.ok) throw new Error('expected invalid')
    return r.field
  }

  it('accepts each kind with its fields and limits, keeping only what was given', () => {
    expect(ok({ kind: 'openclaw' })).toEqual({ kind: 'openclaw' })
    expect(ok({ kind: 'openclaw', agent: 'ops', openclaw_bin: '/usr/local/bin/openclaw', state_dir: '/srv/oc', timeout_ms: 100 })).toEqual({
      kind: 'openclaw',
      agent: 'ops',
      openclaw_bin: '/usr/local/bin/openclaw',
      state_dir: '/srv/oc',
      timeout_ms: 100,
    })
    const command = { kind: 'command', command: 'python3', args: ['agent.py', ''], input_mode: 'argument', cwd: '/srv', env: { KEY: 'v' }, max_output_bytes: 64 * 1024 * 1024 }
    expect(ok(command)).toEqual(command)
    const http = { kind: 'http', url: 'https://api.example.test/v1/chat/completions', format: 'openai-chat', model: 'gpt-x', headers: { Authorization: 'Bearer k' }, timeout_ms: 3_600_000 }
    expect(ok(http)).toEqual(http)
    expect(ok({ kind: 'websocket', url: 'wss://agent.example.test/ws', headers: { 'X-Key': 'k' }, max_output_bytes: 1 })).toEqual({
      kind: 'websocket',
      url: 'wss://agent.example.test/ws',
      headers: { 'X-Key': 'k' },
      max_output_bytes: 1,
    })
  })

  it('names the field that is wrong', () => {
    expect(bad(null)).toBe('')
    expect(bad([])).toBe('')
    expect(bad({})).toBe('kind')
    expect(bad({ kind: 'ssh' })).toBe('kind')
    expect(bad({ kind: 'command' })).toBe('command')
    expect(bad({ kind: 'command', command: '  ' })).toBe('command')
    expect(bad({ kind: 'command', command: 'x', args: 'a b' })).toBe('args')
    expect(bad({ kind: 'command', command: 'x', args: ['a', 2] })).toBe('args[1]')
    expect(bad({ kind: 'command', command: 'x', input_mode: 'file' })).toBe('input_mode')
    expect(bad({ kind: 'command', command: 'x', env: { A: 1 } })).toBe('env.A')
    expect(bad({ kind: 'command', command: 'x', env: { 'A=B': '1' } })).toBe('env.A=B')
    expect(bad({ kind: 'http' })).toBe('url')
    expect(bad({ kind: 'http', url: 'not a url' })).toBe('url')
    expect(bad({ kind: 'http', url: 'ws://host/x' })).toBe('url')
    expect(bad({ kind: 'http', url: 'file:///etc/passwd' })).toBe('url')
    expect(bad({ kind: 'http', url: 'http://h/', format: 'grpc' })).toBe('format')
    expect(bad({ kind: 'http', url: 'http://h/', headers: ['a'] })).toBe('headers')
    expect(bad({ kind: 'http', url: 'http://h/', headers: { 'Bad Name': 'v' } })).toBe('headers.Bad Name')
    expect(bad({ kind: 'http', url: 'http://h/', headers: { X: 'a\r\nInjected: 1' } })).toBe('headers.X')
    expect(bad({ kind: 'websocket', url: 'https://h/' })).toBe('url')
    expect(bad({ kind: 'openclaw', agent: '' })).toBe('agent')
  })

  it('checks the limits', () => {
    expect(bad({ kind: 'openclaw', timeout_ms: 99 })).toBe('timeout_ms')
    expect(bad({ kind: 'openclaw', timeout_ms: 3_600_001 })).toBe('timeout_ms')
    expect(bad({ kind: 'openclaw', timeout_ms: 1000.5 })).toBe('timeout_ms')
    expect(bad({ kind: 'openclaw', timeout_ms: '1000' })).toBe('timeout_ms')
    expect(bad({ kind: 'openclaw', max_output_bytes: 0 })).toBe('max_output_bytes')
    expect(bad({ kind: 'openclaw', max_output_bytes: 64 * 1024 * 1024 + 1 })).toBe('max_output_bytes')
  })

  it('refuses fields of another kind and typos', () => {
    expect(bad({ kind: 'openclaw', url: 'http://h/' })).toBe('url')
    expect(bad({ kind: 'command', command: 'x', timeout: 1000 })).toBe('timeout')
  })

  it('words the message so it reads with the field', () => {
    const r = validateRunnerConfig({ kind: 'http', url: 'ftp://h/' })
    expect(r).toEqual({ ok: false, field: 'url', message: 'url must be a http or https URL' })
  })
})
