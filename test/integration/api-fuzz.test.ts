/**
 * Every route of the built server, over a real socket, with damaged input: odd path segments,
 * odd query values, damaged copies of good bodies and bodies that are not JSON at all. Each answer
 * must be a success or a 4xx with a catalogued error code — never a 500 — and the server must go on
 * answering. The damage comes from a seeded generator, so a failure is reproducible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../src/shared/errors.js'
import { generator, mutants, pick } from '../helpers/mutations.js'
import { copyFixture, removeTempDirs, startServer, type ServerProcess } from '../helpers/test-server.js'

let server: ServerProcess
let agentCreds: Record<string, string>

const ODD_SEGMENTS = ['x', '..', '%2e%2e', 'a'.repeat(300), '%00', '%ZZ', '%C3%BC', '%F0%9F%98%80', '__proto__', 'constructor', '%20', '-1', '1e308', 'null', '0']
const ODD_QUERY_VALUES = ['', '-1', '0', '1.5', '1e308', 'NaN', 'abc', '%00', 'a'.repeat(3000), '[]', '{}', 'true', '2026-13-45T99:99:99Z', '%FF']
const NOT_JSON = ['', '{', 'null', '[]', '"text"', '1e999', '{"a":', '['.repeat(10_000), '\u0000', '{"__proto__":{"x":1}}']

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  query?: string[]
  body?: unknown
  /** Heartbeat credentials instead of the operator's token. */
  agentAuth?: boolean
}

const runner = { kind: 'command', command: process.execPath, args: ['-e', 'process.stdin.pipe(process.stdout)'], timeout_ms: 5000 }
const workflow = { name: 'fuzz', description: 'd', steps: [{ agent_id: 'main', input: 'hi {{input}}' }] }

const ROUTES: Route[] = [
  { method: 'GET', path: '/api/agents/model-statuses', query: ['include'] },
  { method: 'GET', path: '/api/agents/:id/model-status' },
  { method: 'GET', path: '/api/agents/:id/model-switches', query: ['limit'] },
  { method: 'GET', path: '/api/agents/:id/runner' },
  { method: 'PUT', path: '/api/agents/:id/runner', body: runner },
  { method: 'POST', path: '/api/agents/:id/test', body: { input: 'hello' } },
  { method: 'GET', path: '/api/conversations', query: ['agent', 'cursor', 'limit', 'q', 'status', 'updated_since'] },
  { method: 'GET', path: '/api/conversations/:id' },
  {
    method: 'POST',
    path: '/api/conversations/:id/tasks',
    body: { task_list: [{ title: 'Read', status: 'done' }, { id: 'b', title: 'Sum up', status: 'in_progress', notes: 'n' }], result: 'r' },
    agentAuth: true,
  },
  { method: 'GET', path: '/api/executions', query: ['cursor', 'limit', 'q', 'status', 'type', 'workflow_id'] },
  { method: 'GET', path: '/api/executions/:id' },
  { method: 'POST', path: '/api/executions/:id/cancel' },
  { method: 'GET', path: '/api/v1/agents' },
  { method: 'POST', path: '/api/v1/agents', body: { agent_id: 'fz-new', agent_name: 'Fuzz', pool_id: 'fz', tags: ['a', 'b'] } },
  { method: 'GET', path: '/api/v1/agents/:id' },
  { method: 'PATCH', path: '/api/v1/agents/:id', body: { agent_name: 'Renamed', pool_id: 'fz2', tags: ['c'] } },
  { method: 'POST', path: '/api/v1/agents/:id/credentials' },
  { method: 'POST', path: '/api/v1/agents/:id/credentials/:key/rotate' },
  { method: 'GET', path: '/api/v1/agents/:id/metrics/history' },
  {
    method: 'POST',
    path: '/api/v1/agents/:id/ping',
    body: { status: 'busy', cpu_usage: 12.5, memory_usage: 40, running_tasks: [{ task_id: 1, task_type: 'plan', workspace_id: 'w', started_at: '2026-11-22T10:00:00Z' }], interval_sec: 10 },
    agentAuth: true,
  },
  { method: 'GET', path: '/api/v1/agent-pools' },
  { method: 'GET', path: '/api/v1/agent-pools/:id/metrics' },
  { method: 'GET', path: '/api/v1/agent-pools/:id/history' },
  { method: 'GET', path: '/api/workflows' },
  { method: 'POST', path: '/api/workflows', body: workflow },
  { method: 'GET', path: '/api/workflows/:id' },
  { method: 'PUT', path: '/api/workflows/:id', body: workflow },
  { method: 'POST', path: '/api/workflows/:id/run', body: { input: 'x' } },
  // Deletes last: what they remove, the routes above may still use.
  { method: 'DELETE', path: '/api/v1/agents/:id/credentials/:key' },
  { method: 'DELETE', path: '/api/workflows/:id' },
  { method: 'DELETE', path: '/api/v1/agents/:id' },
]

/** Good values for each path parameter: ids that exist, so the damage is in what follows. */
const GOOD_SEGMENTS: Record<string, string> = { ':id': 'fz-1', ':key': '' }

async function send(route: Route, path: string, body: string | undefined): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = route.agentAuth ? { ...agentCreds, 'x-agent-id': 'fz-1' } : { authorization: `Bearer ${server.token}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const r = await fetch(`${server.url}${path}`, { method: route.method, headers, body, signal: AbortSignal.timeout(10_000) })
  return { status: r.status, text: await r.text() }
}

const failures: string[] = []
function check(route: Route, path: string, body: string | undefined, reply: { status: number; text: string }): void {
  const what = `${route.method} ${path.slice(0, 200)} ${body === undefined ? '' : body.slice(0, 120)} → ${reply.status} ${reply.text.slice(0, 200)}`
  if (reply.status >= 500) {
    failures.push(what)
    return
  }
  if (reply.status >= 400) {
    let code: unknown
    try {
      code = (JSON.parse(reply.text) as { error?: { code?: unknown } }).error?.code
    } catch {
      code = undefined
    }
    if (typeof code !== 'string' || !(code in ERROR_CODES)) failures.push(`no catalogued error code: ${what}`)
  }
}

beforeAll(async () => {
  server = await startServer({ openclawDirs: [await copyFixture('openclaw-2026.9.6')] })
  const r = await fetch(`${server.url}/api/v1/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent_id: 'fz-1', pool_id: 'fz' }),
  })
  const { credential } = (await r.json()) as { credential: { app_key: string; app_secret: string } }
  agentCreds = { 'x-app-key': credential.app_key, 'x-app-secret': credential.app_secret }
  GOOD_SEGMENTS[':key'] = credential.app_key
})

afterAll(async () => {
  await server?.close()
  await removeTempDirs()
})

describe('every route with damaged input', () => {
  it('answers a success or a catalogued 4xx, never a 500, and keeps answering', async () => {
    const random = generator(42)
    let requests = 0
    for (const route of ROUTES) {
      const params = route.path.match(/:[a-z]+/g) ?? []
      const withSegments = (odd: string | null, which: string | null): string =>
        route.path.replace(/:[a-z]+/g, (p) => (p === which && odd !== null ? odd : encodeURIComponent(GOOD_SEGMENTS[p]!)))
      const paths = [withSegments(null, null), ...params.flatMap((p) => ODD_SEGMENTS.map((s) => withSegments(s, p)))]
      const queries = (route.query ?? []).flatMap((name) => ODD_QUERY_VALUES.map((v) => `?${name}=${encodeURIComponent(v)}`))
      queries.push(`?${(route.query ?? ['x']).map((n) => `${n}=${pick(ODD_QUERY_VALUES, random)}&${n}=1`).join('&')}`)
      const bodies: (string | undefined)[] =
        route.method === 'GET'
          ? [undefined]
          : route.body === undefined
            ? [undefined, ...NOT_JSON.slice(0, 3)]
            : [...NOT_JSON, ...[...mutants([route.body], 7, 40)].map((b) => JSON.stringify(b))]
      for (const path of paths) {
        for (const body of path === paths[0] ? bodies : [bodies[0]]) {
          check(route, path, body, await send(route, path, body))
          requests++
        }
      }
      for (const q of queries) {
        check(route, paths[0] + q, bodies[0], await send(route, paths[0] + q, bodies[0]))
        requests++
      }
    }
    expect(requests).toBeGreaterThan(1000)
    expect(failures).toEqual([])
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
  })
})
