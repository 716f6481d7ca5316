/**
 * A plain ping is answered by the server's direct path, any other by the Fastify route
 * (src/server/http/ping-fast-path.ts). Against the real server over real sockets, each case here
 * is sent both ways — as is, and with an empty query string, which the route ignores and the
 * direct path leaves to it — and the two answers must be the same: status, headers and body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreateHostAgentResponse, IssuedCredential, PoolMetricsResponse } from '../../src/shared/agent-hosts.js'
import { removeTempDirs, startServer, tempDir, type ServerProcess } from '../helpers/test-server.js'

let server: ServerProcess

beforeAll(async () => {
  server = await startServer({ openclawDirs: [await tempDir('swb-no-openclaw-')], args: ['--ping-rate-limit', '1', '--ping-burst', '2'] })
})

afterAll(async () => {
  await server?.close()
  await removeTempDirs()
})

async function register(agentId: string): Promise<IssuedCredential> {
  const r = await fetch(`${server.url}/api/v1/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent_id: agentId, pool_id: 'paths' }),
  })
  expect(r.status).toBe(201)
  return ((await r.json()) as CreateHostAgentResponse).credential
}

interface Answer {
  status: number
  headers: Record<string, string>
  body: unknown
}

async function send(path: string, headers: Record<string, string>, body: string, agent = ''): Promise<Answer> {
  const r = await fetch(`${server.url}${path}`, { method: 'POST', headers, body })
  const h: Record<string, string> = {}
  r.headers.forEach((v, k) => {
    if (k !== 'date') h[k] = v
  })
  // Messages name the agent, which differs between the two ways in.
  const text = await r.text()
  const parsed = JSON.parse(agent ? text.replaceAll(agent, '<agent>') : text) as { server_time?: number }
  // The clock moves between the two answers; its place and type are what must match.
  if (typeof parsed.server_time === 'number') parsed.server_time = 0
  return { status: r.status, headers: h, body: parsed }
}

const good = (cpu: number) =>
  JSON.stringify({ status: 'busy', cpu_usage: cpu, memory_usage: 20, running_tasks: [{ task_id: 1, task_type: '规划', workspace_id: 'w', started_at: '2026-11-24T01:00:00Z' }] })

type Case = { name: string; agent: string; headers: (c: Record<string, IssuedCredential>) => Record<string, string>; body: string; before?: number }

const creds = (c: IssuedCredential) => ({ 'x-app-key': c.app_key, 'x-app-secret': c.app_secret })
const json = { 'content-type': 'application/json' }

describe('a ping answered by the direct path and by the route', () => {
  it('gets the same answer both ways, case by case, and changes the same state', async () => {
    const ids = ['ok', 'charset', 'proto', 'range', 'task', 'notjson', 'empty', 'array', 'flood', 'other']
    const c: Record<string, IssuedCredential> = {}
    // Each case has an agent per way in, so that a flood bucket is never shared between them.
    for (const id of ids) for (const way of ['a', 'b']) c[`${id}-${way}`] = await register(`${id}-${way}`)
    const cases: Case[] = [
      { name: 'accepted', agent: 'ok', headers: (k) => ({ ...json, ...creds(k.self!) }), body: good(10) },
      { name: 'media type with charset', agent: 'charset', headers: (k) => ({ 'content-type': 'application/json; charset=utf-8', ...creds(k.self!) }), body: good(11) },
      { name: 'prototype keys', agent: 'proto', headers: (k) => ({ ...json, ...creds(k.self!) }), body: '{"__proto__":{"x":1},' + good(12).slice(1) },
      { name: 'no credentials', agent: 'ok', headers: () => json, body: good(1) },
      { name: 'wrong secret', agent: 'ok', headers: (k) => ({ ...json, ...creds({ ...k.self!, app_secret: 'swb_sk_wrong' }) }), body: good(1) },
      { name: 'unknown key', agent: 'ok', headers: (k) => ({ ...json, ...creds({ ...k.self!, app_key: 'swb_ak_nobody' }) }), body: good(1) },
      { name: "another agent's key", agent: 'other', headers: (k) => ({ ...json, ...creds(k.ok!) }), body: good(1) },
      { name: 'unregistered agent', agent: 'nobody', headers: (k) => ({ ...json, ...creds(k.ok!) }), body: good(1) },
      { name: 'field out of range', agent: 'range', headers: (k) => ({ ...json, ...creds(k.self!) }), body: JSON.stringify({ ...JSON.parse(good(1)), cpu_usage: 101 }) },
      { name: 'bad task time', agent: 'task', headers: (k) => ({ ...json, ...creds(k.self!) }), body: good(1).replace('2026-11-24T01:00:00Z', 'soon') },
      { name: 'not JSON', agent: 'notjson', headers: (k) => ({ ...json, ...creds(k.self!) }), body: '{"status":' },
      { name: 'empty body', agent: 'empty', headers: (k) => ({ ...json, ...creds(k.self!) }), body: '' },
      { name: 'array body', agent: 'array', headers: (k) => ({ ...json, ...creds(k.self!) }), body: '[1]' },
      { name: 'flood (burst of 2 spent)', agent: 'flood', headers: (k) => ({ ...json, ...creds(k.self!) }), body: good(13), before: 2 },
    ]
    const answers: [string, Answer, Answer][] = []
    for (const kase of cases) {
      const got: Answer[] = []
      for (const [way, suffix] of [['a', ''], ['b', '?']] as const) {
        const agent = kase.agent === 'nobody' ? 'nobody' : `${kase.agent}-${way}`
        const keys = { self: c[agent]!, ok: c[`ok-${way}`]! }
        const path = `/api/v1/agents/${agent}/ping${suffix}`
        for (let i = 0; i < (kase.before ?? 0); i++) expect((await send(path, kase.headers(keys), good(i))).status).toBe(200)
        got.push(await send(path, kase.headers(keys), kase.body, agent))
      }
      answers.push([kase.name, got[0]!, got[1]!])
    }
    for (const [name, direct, route] of answers) expect([name, direct]).toEqual([name, route])
    // The cases cover every code a ping can get.
    expect(new Set(answers.map(([, a]) => a.status))).toEqual(new Set([200, 400, 401, 403, 429]))
    const flood = answers.find(([n]) => n.startsWith('flood'))![1]
    expect(Number(flood.headers['retry-after'])).toBeGreaterThanOrEqual(1)

    // Both ways took the accepted pings, and nothing else.
    const r = await fetch(`${server.url}/api/v1/agent-pools/paths/metrics`, { headers: { authorization: `Bearer ${server.token}` } })
    const shown = ((await r.json()) as PoolMetricsResponse).metrics
    const cpu = (id: string) => shown.find((m) => m.agent_id === id)?.cpu_usage
    expect([cpu('ok-a'), cpu('ok-b'), cpu('charset-a'), cpu('charset-b'), cpu('proto-a'), cpu('proto-b')]).toEqual([10, 10, 11, 11, 12, 12])
    expect([cpu('flood-a'), cpu('flood-b')]).toEqual([1, 1])
    for (const id of ['range', 'task', 'notjson', 'empty', 'array', 'other']) expect([id, cpu(`${id}-a`), cpu(`${id}-b`)]).toEqual([id, undefined, undefined])

    // And both were counted alike.
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text()
    expect(text).toMatch(/heartbeats_total\{result="accepted"\} 10\b/)
    expect(text).toMatch(/heartbeats_total\{result="invalid"\} 10\b/)
    expect(text).toMatch(/heartbeats_total\{result="unauthorized"\} 6\b/)
    expect(text).toMatch(/heartbeats_total\{result="forbidden"\} 4\b/)
    expect(text).toMatch(/heartbeats_total\{result="rate_limited"\} 2\b/)
    expect(text).toMatch(/api_requests_total\{method="POST",endpoint="\/api\/v1\/agents\/:agentId\/ping",status="200"\} 10\b/)
  })
})
