import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseOpenClawConfig, readOpenClawConfig } from './openclaw-config.js'
import { CURRENT_HOME, LEGACY_HOME, tempDir } from './openclaw.test-kit.js'

describe('openclaw.json', () => {
  it('reads agents.list[] (2026.4.15) with per-agent chains merged over the defaults', async () => {
    const result = await readOpenClawConfig(LEGACY_HOME)
    expect(result.kind).toBe('ok')
    if (result.kind !== 'ok') return
    const { config } = result
    expect(config.defaults).toEqual({ primary: 'mock/mock-primary', fallbacks: ['mockauth/mock-auth', 'backup/mock-fallback'] })
    expect(config.agents.map((a) => [a.id, a.name, a.model.primary, a.model.fallbacks])).toEqual([
      ['main', 'Main', 'mock/mock-primary', ['mockauth/mock-auth', 'backup/mock-fallback']],
      ['ops', 'Ops', 'mock/mock-primary', ['backup/mock-fallback']],
      ['research', 'Research', 'mockauth/mock-auth', ['backup/mock-fallback']],
      ['rl', 'RateLimit', 'mock/mock-ratelimit-short', ['backup/mock-fallback']],
      ['slow', 'Slow', 'hang/mock-timeout', ['backup/mock-fallback']],
      ['plain', 'Plain', 'backup/mock-fallback', []],
    ])
    expect(config.authProfiles).toEqual({
      'mock:manual': { provider: 'mock', mode: 'token' },
      'mockauth:manual': { provider: 'mockauth', mode: 'token' },
    })
    expect(config.logFile).toBeNull()
  })

  it('reads agents.entries (2026.9.6)', async () => {
    const result = await readOpenClawConfig(CURRENT_HOME)
    if (result.kind !== 'ok') throw new Error(result.kind)
    expect(result.config.agents.map((a) => a.id)).toEqual(['main', 'ops', 'research', 'rl'])
    expect(result.config.agents.find((a) => a.id === 'research')?.model).toEqual({
      primary: 'mockauth/mock-auth',
      fallbacks: ['backup/mock-fallback'],
    })
    expect(result.config.authProfiles).toEqual({ 'mock:manual': { provider: 'mock', mode: 'api_key' } })
  })

  it('keeps no secret in the summary', async () => {
    for (const home of [LEGACY_HOME, CURRENT_HOME]) {
      const text = JSON.stringify(await readOpenClawConfig(home))
      for (const secret of ['dummy-mock-key', 'dummy-auth-key', 'dummy-backup-key', 'dummy-hang-key', 'lab-token-123']) {
        expect(text).not.toContain(secret)
      }
    }
    expect(readFileSync(join(LEGACY_HOME, 'openclaw.json'), 'utf8')).toContain('dummy-mock-key')
  })

  it('accepts JSON5, string models, identity names and logging.file', () => {
    const text = `{
      // comments and trailing commas are fine
      agents: {
        defaults: { model: 'a/one' },
        entries: {
          writer: { identity: { name: 'Writer' }, model: 'b/two' },
          helper: { model: { fallbacks: ['c/three'] } },
        },
      },
      logging: { file: '~/logs/openclaw.log' },
    }`
    const result = parseOpenClawConfig(text, '/state', '/home/u')
    if (result.kind !== 'ok') throw new Error(result.kind)
    expect(result.config.agents).toEqual([
      { id: 'writer', name: 'Writer', model: { primary: 'b/two', fallbacks: [] } },
      { id: 'helper', name: 'helper', model: { primary: 'a/one', fallbacks: ['c/three'] } },
    ])
    expect(result.config.logFile).toBe('/home/u/logs/openclaw.log')
    const relative = parseOpenClawConfig(`{ logging: { file: 'logs/x.log' } }`, '/state')
    expect(relative.kind === 'ok' && relative.config.logFile).toBe('/state/logs/x.log')
  })

  it('reads a plain JSON config exactly as the same config read as JSON5', () => {
    for (const home of [LEGACY_HOME, CURRENT_HOME]) {
      const text = readFileSync(join(home, 'openclaw.json'), 'utf8')
      const plain = parseOpenClawConfig(text, home, '/home/u')
      // A comment makes the text JSON5 only: it takes the JSON5 parser.
      const json5 = parseOpenClawConfig(`// edited by hand\n${text}`, home, '/home/u')
      expect(plain.kind).toBe('ok')
      expect(plain).toEqual(json5)
    }
    const handEdited = parseOpenClawConfig(`{ agents: { list: [ { id: 'main', model: 'a/b', }, ], }, /* note */ }`, '/state')
    expect(handEdited.kind === 'ok' && handEdited.config.agents.map((a) => a.model.primary)).toEqual(['a/b'])
  })

  it('reports invalid JSON5 with its line and never throws', () => {
    const result = parseOpenClawConfig('{\n  agents: {\n    list: [ oops ]\n}', '/state')
    expect(result.kind).toBe('invalid')
    if (result.kind === 'invalid') {
      expect(result.place).toBe('/state/openclaw.json:3')
      expect(result.reason).toMatch(/JSON5/)
    }
  })

  it('says missing when there is no openclaw.json', async () => {
    const t = tempDir()
    try {
      expect(await readOpenClawConfig(t.dir)).toEqual({ kind: 'missing' })
    } finally {
      t.cleanup()
    }
  })
})
