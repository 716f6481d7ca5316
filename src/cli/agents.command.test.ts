import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { HostAgent, IssuedCredential } from '../shared/agent-hosts.js'
import {
  displayWidth,
  formatAgents,
  formatPools,
  runAgentsCreate,
  runAgentsRotate,
  runAgentsUpdate,
  type AgentsContext,
  type CliIo,
} from './agents.command.js'
import { OperatorApiError, type HostAgentsClient } from './host-agents.client.js'

const NOW = Date.parse('2026-11-22T12:00:00Z')

const agent = (id: string, extra: Partial<HostAgent> = {}): HostAgent => ({
  agent_id: id,
  agent_name: id.toUpperCase(),
  pool_id: 'gpu',
  tags: [],
  created_at: NOW - 3_600_000,
  last_seen_at: null,
  online: false,
  credentials: [{ app_key: `ak_${id}`, created_at: NOW - 3_600_000, last_used_at: null }],
  ...extra,
})

const issued = (id: string, key = `ak_${id}_2`): IssuedCredential => ({ agent_id: id, app_key: key, app_secret: 'sk_SECRET', created_at: NOW })

/** Only what a test calls is there; anything else fails loudly. */
function fakeApi(impl: Partial<HostAgentsClient>): HostAgentsClient & { calls: string[] } {
  const calls: string[] = []
  return new Proxy({ calls } as HostAgentsClient & { calls: string[] }, {
    get(target, prop: string) {
      if (prop === 'calls') return calls
      const fn = impl[prop as keyof HostAgentsClient] as ((...a: unknown[]) => unknown) | undefined
      if (!fn) throw new Error(`unexpected call: ${prop}`)
      return (...args: unknown[]) => {
        calls.push(`${prop}(${args.map((a) => JSON.stringify(a)).join(', ')})`)
        return fn(...args)
      }
    },
  })
}

function captureIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = ''
  let err = ''
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err }
}

describe('switchboard agents', () => {
  let dir: string
  let io: ReturnType<typeof captureIo>
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'swb-agents-cmd-'))
    io = captureIo()
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const ctx = (api: HostAgentsClient, json = false): AgentsContext => ({ api, url: 'http://sb:7420', json, io })

  it('create prints the key and the secret once, with how to start the agent', async () => {
    const api = fakeApi({ create: async () => ({ agent: agent('gpu-01'), credential: issued('gpu-01', 'ak_gpu-01') }) })
    expect(await runAgentsCreate(ctx(api), { agent_id: 'gpu-01', pool_id: 'gpu', tags: ['a100'] })).toBe(0)
    expect(api.calls).toEqual(['create({"agent_id":"gpu-01","pool_id":"gpu","tags":["a100"]})'])
    const out = io.stdout()
    expect(out).toContain('Registered agent gpu-01 ("GPU-01") in pool gpu.')
    expect(out).toContain('  app key:    ak_gpu-01\n  app secret: sk_SECRET\n')
    expect(out).toContain('The secret is shown once')
    expect(out).toContain('switchboard agent --url http://sb:7420 --agent-id gpu-01 --app-key ak_gpu-01 --app-secret-file gpu-01.secret')
  })

  it('create --json prints the answer, and the shown-once note on stderr', async () => {
    const created = { agent: agent('gpu-01'), credential: issued('gpu-01') }
    const api = fakeApi({ create: async () => created })
    await runAgentsCreate(ctx(api, true), { agent_id: 'gpu-01' })
    expect(JSON.parse(io.stdout())).toEqual(created)
    expect(io.stderr()).toMatch(/shown once/)
  })

  it('--secret-file writes the secret (mode 0600, replacing an old file) and never prints it', async () => {
    const file = join(dir, 'gpu-01.secret')
    writeFileSync(file, 'old', { mode: 0o644 })
    const api = fakeApi({ create: async () => ({ agent: agent('gpu-01'), credential: issued('gpu-01') }) })
    await runAgentsCreate(ctx(api), { agent_id: 'gpu-01' }, { secretFile: file })
    expect(readFileSync(file, 'utf8')).toBe('sk_SECRET\n')
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(io.stdout()).not.toContain('sk_SECRET')
    expect(io.stdout()).toContain(`app secret: written to ${file} (mode 0600)`)

    const jsonIo = captureIo()
    await runAgentsCreate({ ...ctx(api, true), io: jsonIo }, { agent_id: 'gpu-01' }, { secretFile: file })
    expect(jsonIo.stdout()).not.toContain('sk_SECRET')
    expect(JSON.parse(jsonIo.stdout()).credential).toEqual({ agent_id: 'gpu-01', app_key: 'ak_gpu-01_2', created_at: NOW, app_secret_file: file })
  })

  it('rotate without a key rotates the only one, and refuses to guess between several', async () => {
    const one = fakeApi({ get: async () => agent('a'), rotateCredential: async () => issued('a') })
    expect(await runAgentsRotate(ctx(one), 'a', undefined)).toBe(0)
    expect(one.calls).toEqual(['get("a")', 'rotateCredential("a", "ak_a")'])
    expect(io.stdout()).toContain('Rotated app key ak_a of agent a: the old key no longer works.')

    const two = agent('b', {
      credentials: [
        { app_key: 'k1', created_at: NOW, last_used_at: null },
        { app_key: 'k2', created_at: NOW, last_used_at: null },
      ],
    })
    const several = fakeApi({ get: async () => two })
    expect(await runAgentsRotate(ctx(several), 'b', undefined)).toBe(1)
    expect(io.stderr()).toBe('switchboard: agent b has 2 app keys; name the one to rotate: k1, k2\n')

    const none = fakeApi({ get: async () => agent('c', { credentials: [] }) })
    expect(await runAgentsRotate(ctx(none), 'c', undefined)).toBe(1)
    expect(io.stderr()).toContain('switchboard agents add-key c')
  })

  it('prints an API error with its code and exits 1', async () => {
    const api = fakeApi({
      create: async () => {
        throw new OperatorApiError('409 SWB_HOST_AGENT_EXISTS: Host agent "a" is already registered', 409, 'SWB_HOST_AGENT_EXISTS')
      },
    })
    expect(await runAgentsCreate(ctx(api), { agent_id: 'a' })).toBe(1)
    expect(io.stderr()).toBe('switchboard: 409 SWB_HOST_AGENT_EXISTS: Host agent "a" is already registered\n')
  })

  it('update refuses to send nothing', async () => {
    expect(await runAgentsUpdate(ctx(fakeApi({})), 'a', {})).toBe(1)
    expect(io.stderr()).toMatch(/nothing to change/)
  })
})

describe('formatAgents / formatPools', () => {
  it('lines agents up by pool, then id', () => {
    const text = formatAgents(
      [
        agent('z-2', { pool_id: 'edge', online: true, last_seen_at: NOW - 5_000, tags: ['eu', 'arm'] }),
        agent('a-1', { pool_id: 'gpu' }),
        agent('b-1', { pool_id: 'edge' }),
      ],
      NOW,
    )
    expect(text).toBe(
      [
        'AGENT  NAME  POOL  STATE    LAST PING  KEYS  TAGS',
        'b-1    B-1   edge  offline  never      1     —',
        'z-2    Z-2   edge  online   5s ago     1     eu,arm',
        'a-1    A-1   gpu   offline  never      1     —',
        '',
      ].join('\n'),
    )
    expect(formatAgents([], NOW)).toMatch(/^No agent hosts registered/)
  })

  it('counts CJK characters as two columns', () => {
    const lines = formatAgents([agent('kefu', { agent_name: '客服小美' }), agent('ops', { agent_name: 'Ops' })], NOW).split('\n')
    expect(lines[1]).toBe('kefu   客服小美  gpu   offline  never      1     —')
    expect(lines[2]).toBe('ops    Ops       gpu   offline  never      1     —')
    expect(displayWidth('研究 a')).toBe(6)
  })

  it('shows a pool without online agents with no averages', () => {
    expect(
      formatPools([{ pool_id: 'gpu', agents: 2, online: 0, offline: 2, running_tasks: 0, avg_cpu: null, avg_memory: null }]).split('\n')[1],
    ).toBe('gpu   2       0       2        0      —        —')
  })
})
