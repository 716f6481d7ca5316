/** The HTTP API through `app.inject()` (no port): seed 000 shapes and the error catalogue. */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/server/app.js'
import { createTokenCheck } from '../../src/server/auth/token.js'
import { createMetrics, OMITTED_PROCESS_METRICS } from '../../src/server/http/metrics.js'
import type { FleetRepository } from '../../src/server/store/fleet.repository.js'
import type { AgentModelStatus, ModelStatusesResponse } from '../../src/shared/model-status.js'
import { loadFleet, loadHosts } from '../helpers/in-process.js'
import { createConversationService } from '../../src/server/conversations/conversation-service.js'
import { createConversationTasksRepository } from '../../src/server/store/conversation-tasks.repository.js'
import { createWorkflowsRepository } from '../../src/server/store/workflows.repository.js'
import { createExecutionsRepository } from '../../src/server/store/executions.repository.js'
import { createExecutionService } from '../../src/server/executions/execution-service.js'
import { createRunner } from '../../src/server/runners/registry.js'
import { runWithLimits } from '../../src/server/runners/run-with-limits.js'
import { removeTempDirs, repoRoot, tempDir } from '../helpers/test-server.js'
import { precompress, type PrecompressResult } from '../../scripts/compress-web.js'

const TOKEN = 'inject-token-123'
const auth = { authorization: `Bearer ${TOKEN}` }
let app: FastifyInstance
/** The same API with the web UI's files served from a folder: the catch-all routes are there too. */
let withWeb: FastifyInstance
let close: () => Promise<void>
let appDeps: Parameters<typeof buildApp>[0]
/** A built UI's files as the web build leaves them, with what `precompress` made of them. */
const SHELL = `<!doctype html><title>Switchboard</title><script type="module" src="./assets/index-Ab12Cd34.js"></script>${'<!-- padding -->'.repeat(80)}`
const SCRIPT = `export const rows = [${Array.from({ length: 400 }, (_, i) => `{ id: ${i}, label: 'agent ${i}' }`).join(', ')}]\n`
let precompressed: PrecompressResult
let webRootDir = ''

beforeAll(async () => {
  const home = path.join(repoRoot, 'test/fixtures/openclaw-2026.9.6/openclaw-home')
  const log = path.join(repoRoot, 'test/fixtures/openclaw-2026.9.6/gateway-log/openclaw-2026-11-22.log')
  const loaded = await loadFleet({ stateDirs: [home], logFiles: [log], now: () => 1_795_344_640_000 })
  const hosts = await loadHosts({ hub: loaded.hub, dataDir: await tempDir() })
  close = async () => {
    await loaded.close()
    await executions.close()
    await hosts.close()
    await removeTempDirs()
  }
  const executionsRepository = createExecutionsRepository(hosts.store)
  const executions = createExecutionService({
    repository: executionsRepository,
    hub: loaded.hub,
    createRunner: (config) => createRunner(config, { openclawDirs: [home], log: console }),
    run: runWithLimits,
    log: console,
  })
  const repo: FleetRepository = {
    load: () => Promise.reject(new Error('unused')),
    save: () => Promise.resolve(),
    listSwitches: (agentId, limit) => {
      const a = loaded.fleet.get(agentId)!
      return Promise.resolve({ switches: a.switchHistory.slice(0, limit), total: a.switchHistory.length })
    },
  }
  const deps: Parameters<typeof buildApp>[0] = {
    fleet: loaded.fleet,
    fleetRepository: repo,
    metrics: createMetrics(),
    hosts: hosts.hosts,
    hub: loaded.hub,
    executions,
    executionsRepository,
    workflowsRepository: createWorkflowsRepository(hosts.store),
    conversations: createConversationService({ hub: loaded.hub, repository: createConversationTasksRepository(hosts.store), readers: [], log: console }),
    checkToken: createTokenCheck(TOKEN),
    version: '9.9.9',
    isReady: () => true,
    sources: () => ({ openclaw: { lookedAt: [home], found: [{ dir: home, layout: 'sqlite', agents: 4 }] } }),
  }
  appDeps = deps
  app = await buildApp(deps)
  const webRoot = await tempDir()
  webRootDir = webRoot
  await writeFile(path.join(webRoot, 'index.html'), SHELL)
  await mkdir(path.join(webRoot, 'assets'))
  await writeFile(path.join(webRoot, 'assets', 'index-Ab12Cd34.js'), SCRIPT)
  await writeFile(path.join(webRoot, 'assets', 'tiny-Ef56Gh78.js'), 'export {}\n')
  precompressed = precompress(webRoot)
  withWeb = await buildApp({ ...deps, metrics: createMetrics(), webRoot })
})
afterAll(async () => {
  await app.close()
  await withWeb.close()
  await close()
})

describe('HTTP API', () => {
  it('GET /api/agents/model-statuses has the seed shape', async () => {
    const r = await app.inject({ url: '/api/agents/model-statuses', headers: auth })
    expect(r.statusCode).toBe(200)
    expect(r.headers['content-type']).toMatch(/application\/json/)
    const body = r.json<ModelStatusesResponse>()
    expect(typeof body.lastUpdate).toBe('number')
    const main = body.agents.find((a) => a.agentId === 'main')!
    expect(main).toMatchObject({
      agentId: 'main',
      agentName: 'Main',
      config: { primary: 'mock/mock-primary', fallbacks: ['mockauth/mock-auth', 'backup/mock-fallback'] },
      currentModel: { modelId: 'backup/mock-fallback', provider: 'backup', status: 'healthy' },
    })
    expect(typeof main.currentModel!.lastUsedAt).toBe('number')
    for (const m of main.allModels) expect(Object.keys(m)).toEqual(expect.arrayContaining(['modelId', 'provider', 'status', 'lastUsedAt', 'lastError']))
    const s = main.switchHistory[0]!
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['id', 'agentId', 'fromModel', 'toModel', 'reason', 'timestamp', 'time']))
    expect(s.time).toMatch(/^\d\d:\d\d:\d\d$/)
    // The answering provider (backup) has no stored profile: the seed's authProfile is null then.
    expect(main.authProfile).toBeNull()
    // The list leaves auth profiles out unless asked; the per-agent endpoint always has them.
    expect(main.authProfiles).toBeUndefined()
    const full = (await app.inject({ url: '/api/agents/model-statuses?include=authProfiles', headers: auth })).json<ModelStatusesResponse>()
    const fullMain = full.agents.find((a) => a.agentId === 'main')!
    expect(fullMain.authProfiles!.find((p) => p.profileId === 'mock:manual')).toMatchObject({ provider: 'mock', mode: 'api_key', status: 'cooldown' })
    expect({ ...fullMain, authProfiles: undefined }).toEqual({ ...main, authProfiles: undefined })
    const one = (await app.inject({ url: '/api/agents/main/model-status', headers: auth })).json<AgentModelStatus>()
    expect(one.authProfiles).toEqual(fullMain.authProfiles)
    const bad = await app.inject({ url: '/api/agents/model-statuses?include=secrets', headers: auth })
    expect(bad.statusCode).toBe(400)
    expect(bad.json<{ error: { details: { field: string } } }>().error.details.field).toBe('include')
  })

  it('gives each list variant its own ETag', async () => {
    const summary = await app.inject({ url: '/api/agents/model-statuses', headers: auth })
    const full = await app.inject({ url: '/api/agents/model-statuses?include=authProfiles', headers: auth })
    expect(summary.headers.etag).not.toEqual(full.headers.etag)
    expect(full.body.length).toBeGreaterThan(summary.body.length)
    const again = await app.inject({ url: '/api/agents/model-statuses', headers: { ...auth, 'if-none-match': String(summary.headers.etag) } })
    expect(again.statusCode).toBe(304)
    const cross = await app.inject({ url: '/api/agents/model-statuses?include=authProfiles', headers: { ...auth, 'if-none-match': String(summary.headers.etag) } })
    expect(cross.statusCode).toBe(200)
  })

  it('sends the list gzip-compressed to a client that accepts it, the same bytes once unpacked', async () => {
    for (const url of ['/api/agents/model-statuses', '/api/agents/model-statuses?include=authProfiles']) {
      const plain = await app.inject({ url, headers: auth })
      const zipped = await app.inject({ url, headers: { ...auth, 'accept-encoding': 'br;q=1.0, gzip;q=0.8, *;q=0.1' } })
      expect(plain.headers['content-encoding']).toBeUndefined()
      expect(zipped.headers['content-encoding']).toBe('gzip')
      expect(zipped.headers.vary).toBe('accept-encoding')
      expect(zipped.headers.etag).toBe(plain.headers.etag)
      expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length)
      expect(gunzipSync(zipped.rawPayload).equals(plain.rawPayload)).toBe(true)
    }
    for (const refused of ['identity', 'gzip;q=0, identity', '*;q=1, gzip;q=0']) {
      const identity = await app.inject({ url: '/api/agents/model-statuses', headers: { ...auth, 'accept-encoding': refused } })
      expect(identity.headers['content-encoding'], refused).toBeUndefined()
      expect(identity.json<ModelStatusesResponse>().agents.length).toBeGreaterThan(0)
    }
  })

  it('one agent and its switches; the seed response of model-switches', async () => {
    const one = await app.inject({ url: '/api/agents/research/model-status', headers: auth })
    expect(one.json()).toMatchObject({ agentId: 'research', currentModel: { modelId: 'backup/mock-fallback' } })
    const sw = await app.inject({ url: '/api/agents/research/model-switches?limit=1', headers: auth })
    expect(sw.json()).toMatchObject({ agentId: 'research', agentName: 'Research', total: 2 })
    expect(sw.json<{ switches: unknown[] }>().switches).toHaveLength(1)
  })

  it('errors come from the catalogue, as JSON, with the right status', async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      ['/api/agents/model-statuses', {}, 401, 'SWB_AUTH_MISSING'],
      ['/api/agents/model-statuses', { authorization: 'Basic abc' }, 401, 'SWB_AUTH_MISSING'],
      ['/api/agents/model-statuses', { authorization: 'Bearer wrong-token' }, 401, 'SWB_AUTH_INVALID'],
      ['/api/agents/ghost/model-status', auth, 404, 'SWB_AGENT_NOT_FOUND'],
      ['/api/agents/main/model-switches?limit=zero', auth, 400, 'SWB_REQUEST_INVALID'],
      ['/api/nothing-here', auth, 404, 'SWB_ROUTE_NOT_FOUND'],
    ]
    for (const [url, headers, status, code] of cases) {
      const r = await app.inject({ url, headers })
      expect(r.statusCode, url).toBe(status)
      expect(r.json<{ error: { code: string } }>().error.code, url).toBe(code)
    }
  })

  it('serves the UI pre-compressed to browsers that take it, its hashed assets cached for a year', async () => {
    // Copies only where they pay: the 10-byte script has none.
    expect(precompressed.files).toBe(2)
    expect((await readdir(path.join(webRootDir, 'assets'))).sort()).toEqual([
      'index-Ab12Cd34.js',
      'index-Ab12Cd34.js.br',
      'index-Ab12Cd34.js.gz',
      'tiny-Ef56Gh78.js',
    ])
    const url = '/assets/index-Ab12Cd34.js'
    const br = await withWeb.inject({ url, headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } })
    expect(br.statusCode).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers['content-type']).toMatch(/javascript/)
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(br.headers.vary).toBe('accept-encoding')
    expect(br.rawPayload.length).toBeLessThan(SCRIPT.length / 4)
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT)
    const gz = await withWeb.inject({ url, headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT)
    const plain = await withWeb.inject({ url })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body).toBe(SCRIPT)
    const tiny = await withWeb.inject({ url: '/assets/tiny-Ef56Gh78.js', headers: { 'accept-encoding': 'br, gzip' } })
    expect(tiny.headers['content-encoding']).toBeUndefined()
    expect(tiny.body).toBe('export {}\n')
    // The shell names the assets of the build it belongs to: asked again every time, at any path.
    for (const page of ['/', '/agents/main']) {
      const shell = await withWeb.inject({ url: page, headers: { 'accept-encoding': 'br' } })
      expect(shell.statusCode, page).toBe(200)
      expect(shell.headers['cache-control'], page).toBe('no-cache')
      const body = shell.headers['content-encoding'] === 'br' ? brotliDecompressSync(shell.rawPayload).toString() : shell.body
      expect(body, page).toBe(SHELL)
    }
  })

  it('asks for the token on unknown API paths too, whatever the method and with the UI served', async () => {
    for (const a of [app, withWeb]) {
      for (const method of ['GET', 'POST', 'DELETE'] as const) {
        const anonymous = await a.inject({ method, url: '/api/nothing-here' })
        expect(anonymous.statusCode, method).toBe(401)
        expect(anonymous.json<{ error: { code: string } }>().error.code).toBe('SWB_AUTH_MISSING')
        const known = await a.inject({ method, url: '/api/nothing-here', headers: auth })
        expect(known.statusCode, method).toBe(404)
        expect(known.json<{ error: { code: string } }>().error.code).toBe('SWB_ROUTE_NOT_FOUND')
      }
      expect((await a.inject({ url: '/metrics' })).statusCode).toBe(401)
    }
    // The UI's shell needs no token, at its own path and at any page of the app.
    for (const url of ['/', '/agents/main']) {
      const page = await withWeb.inject({ url })
      expect(page.statusCode, url).toBe(200)
      expect(page.body).toContain('<title>Switchboard</title>')
    }
  })

  it('counts and times requests per route, method and status for /metrics', async () => {
    for (let i = 0; i < 3; i++) expect((await withWeb.inject({ url: '/api/agents/model-statuses', headers: auth })).statusCode).toBe(200)
    await withWeb.inject({ url: '/api/agents/ghost/model-status', headers: auth })
    await withWeb.inject({ url: '/api/agents/model-statuses' })
    const text = (await withWeb.inject({ url: '/metrics', headers: auth })).body
    expect(text).toContain('api_requests_total{method="GET",endpoint="/api/agents/model-statuses",status="200"} 3')
    expect(text).toContain('api_requests_total{method="GET",endpoint="/api/agents/:agentId/model-status",status="404"} 1')
    expect(text).toContain('api_requests_total{method="GET",endpoint="/api/agents/model-statuses",status="401"} 1')
    // Every response falls in the +Inf bucket; the buckets are cumulative and _count matches.
    const series = 'api_response_time_seconds_bucket{le="+Inf",method="GET",endpoint="/api/agents/model-statuses"}'
    expect(text).toContain(`${series} 4`)
    expect(text).toContain('api_response_time_seconds_count{method="GET",endpoint="/api/agents/model-statuses"} 4')
    const buckets = [...text.matchAll(/api_response_time_seconds_bucket\{le="([^"]+)",method="GET",endpoint="\/api\/agents\/model-statuses"\} (\d+)/g)]
    expect(buckets.map((m) => m[1])).toEqual(['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '1', '+Inf'])
    const counts = buckets.map((m) => Number(m[2]))
    expect(counts).toEqual([...counts].sort((x, y) => x - y))
    expect(text).toMatch(/api_response_time_seconds_sum\{method="GET",endpoint="\/api\/agents\/model-statuses"\} 0\.\d+/)
    // The UI's files are not API requests.
    await withWeb.inject({ url: '/' })
    expect((await withWeb.inject({ url: '/metrics', headers: auth })).body).not.toContain('endpoint="/*"')
  })

  it('/metrics has the process metrics, but none that lists every active handle on each scrape', async () => {
    const text = (await withWeb.inject({ url: '/metrics', headers: auth })).body
    for (const kept of ['switchboard_process_process_cpu_seconds_total', 'switchboard_process_nodejs_eventloop_lag_p99_seconds', 'switchboard_process_nodejs_heap_size_used_bytes']) {
      expect(text).toContain(`\n${kept} `)
    }
    expect(OMITTED_PROCESS_METRICS).toHaveLength(4)
    for (const omitted of OMITTED_PROCESS_METRICS) expect(text).not.toContain(omitted)
  })

  it('/healthz needs no token and reports ingestion', async () => {
    const r = await app.inject({ url: '/healthz' })
    expect(r.json()).toMatchObject({ status: 'ok', version: '9.9.9', ingest: { ready: true, agents: 4 } })
  })

  it('/api/sources says where OpenClaw was looked for', async () => {
    const r = await app.inject({ url: '/api/sources', headers: auth })
    expect(r.json()).toMatchObject({ openclaw: { found: [{ layout: 'sqlite', agents: 4 }] } })
  })
})

describe('route schemas', () => {
  it('are refused at start with a message that says where input is checked', async () => {
    const extra = await buildApp({ ...appDeps, metrics: createMetrics() })
    extra.get('/api/with-schema', { schema: { querystring: { type: 'object' } } }, () => ({}))
    await expect(extra.ready()).rejects.toThrow(/route schemas are not compiled/)
    await extra.close()
  })
})
