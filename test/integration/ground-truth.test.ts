/**
 * The fixtures' ground truth, end to end through the real source, fleet state and rules, with the
 * clock pinned to the end of each capture.
 */
import { afterAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import type { AgentModelStatus } from '../../src/shared/model-status.js'
import { loadFleet } from '../helpers/in-process.js'
import { removeTempDirs, repoRoot } from '../helpers/test-server.js'

afterAll(removeTempDirs)

const fixture = (name: string) => ({
  home: path.join(repoRoot, 'test/fixtures', name, 'openclaw-home'),
  log: path.join(repoRoot, 'test/fixtures', name, 'gateway-log', 'openclaw-2026-11-22.log'),
})

const byId = (agents: AgentModelStatus[]) => new Map(agents.map((a) => [a.agentId, a]))
const modelOf = (a: AgentModelStatus, id: string) => a.allModels.find((m) => m.modelId === id)
const pairs = (a: AgentModelStatus) => a.switchHistory.map((s) => `${s.fromModel}>${s.toModel}:${s.reason}`).reverse()

describe('OpenClaw 2026.9.6 (SQLite layout), at 10:50:40 UTC', () => {
  const NOW = 1_795_344_640_000
  it('matches the ground truth', async () => {
    const f = fixture('openclaw-2026.9.6')
    const { fleet, close } = await loadFleet({ stateDirs: [f.home], logFiles: [f.log], now: () => NOW })
    const agents = byId(fleet.list().agents)
    expect([...agents.keys()].sort()).toEqual(['main', 'ops', 'research', 'rl'])
    for (const a of agents.values()) {
      expect(a.currentModel?.modelId, a.agentId).toBe('backup/mock-fallback')
      expect(a.source.layout).toBe('sqlite')
    }

    const main = agents.get('main')!
    expect(main.config).toEqual({ primary: 'mock/mock-primary', fallbacks: ['mockauth/mock-auth', 'backup/mock-fallback'] })
    // mock:manual is cooling down for mock-primary until 10:51:24.891 (rate limit).
    expect(modelOf(main, 'mock/mock-primary')).toMatchObject({ status: 'cooldown', statusSource: 'observed', cooldownUntil: 1_795_344_684_891 })
    expect(modelOf(main, 'mock/mock-primary')!.lastError?.type).toBe('rate_limit')
    // The mockauth cooldown ended at 10:49:58.9: what is left is the auth failure.
    expect(modelOf(main, 'mockauth/mock-auth')).toMatchObject({ status: 'error' })
    expect(modelOf(main, 'mockauth/mock-auth')!.lastError).toMatchObject({ type: 'auth', code: 401 })
    // Earlier chains used mock/mock-timeout: seen in the data, not configured now.
    expect(modelOf(main, 'mock/mock-timeout')).toMatchObject({ role: 'other', status: 'error' })
    expect(modelOf(main, 'mock/mock-timeout')!.lastError?.type).toBe('timeout')
    expect(pairs(main)).toContain('mock/mock-primary>mockauth/mock-auth:rate_limit')
    expect(pairs(main)).toContain('mockauth/mock-auth>backup/mock-fallback:auth')
    expect(main.authProfiles.find((p) => p.profileId === 'mock:manual')).toMatchObject({ status: 'cooldown', cooldownModel: 'mock-primary', mode: 'api_key' })

    const ops = agents.get('ops')!
    expect(['error', 'cooldown']).toContain(modelOf(ops, 'mock/mock-primary')!.status)
    expect(modelOf(ops, 'mock/mock-primary')!.lastError).toMatchObject({ type: 'rate_limit', code: 429 })
    expect(pairs(ops)).toEqual(Array(3).fill('mock/mock-primary>backup/mock-fallback:rate_limit'))

    const research = agents.get('research')!
    expect(modelOf(research, 'mockauth/mock-auth')).toMatchObject({ status: 'cooldown', statusSource: 'observed', cooldownUntil: 1_795_344_664_304 })
    expect(pairs(research)).toEqual(Array(2).fill('mockauth/mock-auth>backup/mock-fallback:auth'))

    const rl = agents.get('rl')!
    expect(modelOf(rl, 'mock/mock-ratelimit-short')!.lastError?.type).toBe('rate_limit')
    expect(pairs(rl)).toEqual(['mock/mock-ratelimit-short>backup/mock-fallback:rate_limit'])
    await close()
  })
})

describe('OpenClaw 2026.4.15 (legacy JSONL layout), at 11:18:07.437 UTC', () => {
  const NOW = 1_795_346_287_437
  it('matches the ground truth', async () => {
    const f = fixture('openclaw-2026.4.15')
    const { fleet, close } = await loadFleet({ stateDirs: [f.home], logFiles: [f.log], now: () => NOW })
    const agents = byId(fleet.list().agents)
    expect([...agents.keys()].sort()).toEqual(['main', 'ops', 'plain', 'research', 'rl', 'slow'])
    for (const a of agents.values()) {
      expect(a.currentModel?.modelId, a.agentId).toBe('backup/mock-fallback')
      expect(a.source.layout).toBe('legacy')
    }
    const main = agents.get('main')!
    expect(pairs(main)).toEqual(
      Array(4).fill(['mock/mock-primary>mockauth/mock-auth:timeout', 'mockauth/mock-auth>backup/mock-fallback:auth']).flat(),
    )
    // mockauth:manual's cooldown ended at 11:16:18.98; timeouts are never written to auth state.
    expect(modelOf(main, 'mockauth/mock-auth')).toMatchObject({ status: 'error' })
    expect(modelOf(main, 'mock/mock-primary')!.lastError).toMatchObject({ type: 'timeout' })
    expect(main.authProfiles.find((p) => p.profileId === 'mockauth:manual')).toMatchObject({ status: 'active', cooldownReason: 'auth', errorCount: 1, lastFailureAt: 1_795_346_148_980 })

    expect(pairs(agents.get('ops')!)).toEqual(['mock/mock-primary>backup/mock-fallback:timeout'])
    expect(pairs(agents.get('research')!)).toEqual(['mockauth/mock-auth>backup/mock-fallback:auth'])
    expect(pairs(agents.get('slow')!)).toEqual(['hang/mock-timeout>backup/mock-fallback:timeout'])
    expect(pairs(agents.get('rl')!)).toEqual(Array(4).fill('mock/mock-ratelimit-short>backup/mock-fallback:rate_limit'))
    expect(pairs(agents.get('plain')!)).toEqual([])

    const rl = agents.get('rl')!
    expect(modelOf(rl, 'mock/mock-ratelimit-short')).toMatchObject({ status: 'cooldown', statusSource: 'observed', cooldownUntil: 1_795_346_314_450 })
    expect(agents.get('plain')!.allModels.map((m) => [m.modelId, m.status])).toEqual([['backup/mock-fallback', 'healthy']])
    // Tokens: every answer is 1234 in + 56 out.
    expect(modelOf(main, 'backup/mock-fallback')!.tokens).toMatchObject({ input: 4 * 1234, output: 4 * 56 })
    await close()
  })
})
