/**
 * The store on every dialect: SQLite always; PostgreSQL when SWB_TEST_DIALECTS names it
 * (CI does: `npm run test:pg`). A requested dialect that can't be reached fails, loudly.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/server/store/database.js'
import { createFleetRepository } from '../../src/server/store/fleet.repository.js'
import { createHostRepository } from '../../src/server/store/host.repository.js'
import { createExecutionsRepository } from '../../src/server/store/executions.repository.js'
import { createWorkflowsRepository } from '../../src/server/store/workflows.repository.js'
import { createConversationTasksRepository } from '../../src/server/store/conversation-tasks.repository.js'
import { createAgentFacts, decodeFacts, encodeFacts } from '../../src/server/core/agent-facts.js'
import type { ModelSwitchEvent } from '../../src/shared/model-status.js'
import { dropPostgresDatabases, freshPostgresDatabase, TEST_DIALECTS } from '../helpers/postgres.js'
import { removeTempDirs, tempDir } from '../helpers/test-server.js'

afterAll(removeTempDirs)
afterAll(dropPostgresDatabases)

async function open(dialect: string): Promise<Store> {
  if (dialect === 'postgres') return openStore({ dataDir: await tempDir(), databaseUrl: await freshPostgresDatabase() })
  return openStore({ dataDir: await tempDir() })
}

const sw = (id: string, ts: number): ModelSwitchEvent => ({
  id,
  agentId: 'main',
  fromModel: 'a/x',
  toModel: 'b/y',
  reason: 'rate_limit',
  timestamp: ts,
  time: '00:00:00',
  sessionId: 's',
  runId: null,
  httpStatus: 429,
  source: 'log',
  message: 'Rate limit',
})

for (const dialect of TEST_DIALECTS) {
  describe(`store on ${dialect}`, () => {
    it('migrates, saves state with checkpoints in one go, and loads them back', async () => {
      const store = await open(dialect)
      expect(store.dialect).toBe(dialect)
      const repo = createFleetRepository(store)
      const facts = createAgentFacts('main')
      facts.name = '老 K'
      facts.lastActivityAt = 1_795_344_000_000
      // Backslashes and non-ASCII in the rest too: facts come back as their UTF-8 bytes, unchanged.
      facts.knownSwitches.set('C:\\logs\\a.jsonl#1', '超时 \\n "quoted"')
      await repo.save({
        agents: [{ agentId: 'main', facts: encodeFacts(facts), view: '{"agentId":"main"}', judgedAt: 1_795_344_050_000 }],
        removedAgents: [],
        checkpoints: new Map<string, unknown>([['file:/a.jsonl', { offset: 1234, ino: 5 }]]),
        addedSwitches: [sw('s1', 1_795_344_000_000), sw('s2', 1_795_344_100_000)],
        removedSwitches: [],
        kv: new Map([['k', [1, 2]]]),
      })
      const loaded = await repo.load()
      expect(loaded.agents[0]!.agentId).toBe('main')
      expect(decodeFacts(loaded.agents[0]!.facts)).toMatchObject({ agentId: 'main', name: '老 K', lastActivityAt: 1_795_344_000_000 })
      expect(Buffer.isBuffer(loaded.agents[0]!.facts)).toBe(true)
      expect(loaded.agents[0]!.facts.toString()).toBe(encodeFacts(facts))
      expect(decodeFacts(loaded.agents[0]!.facts).knownSwitches).toEqual(facts.knownSwitches)
      expect(loaded.checkpoints.get('file:/a.jsonl')).toEqual({ offset: 1234, ino: 5 })
      expect(loaded.views.get('main')).toBe('{"agentId":"main"}')
      expect(loaded.judgedAt?.get('main')).toBe(1_795_344_050_000)
      expect(loaded.kv.get('k')).toEqual([1, 2])
      const { switches, total } = await repo.listSwitches('main', 1)
      expect(total).toBe(2)
      expect(switches).toEqual([{ ...sw('s2', 1_795_344_100_000), time: '10:41:40' }])
      await store.close()
    })

    it('upserts: saving again replaces, removed switches and agents go away', async () => {
      const store = await open(dialect)
      const repo = createFleetRepository(store)
      const base = { removedAgents: [], kv: new Map(), removedSwitches: [] as string[] }
      await repo.save({ ...base, agents: [{ agentId: 'a', facts: encodeFacts(createAgentFacts('a')), view: null, judgedAt: null }], checkpoints: new Map([['c', 1]]), addedSwitches: [sw('x', 1)] })
      await repo.save({ ...base, agents: [{ agentId: 'a', facts: encodeFacts({ ...createAgentFacts('a'), name: 'A2' }), view: null, judgedAt: null }], checkpoints: new Map([['c', 2]]), addedSwitches: [{ ...sw('x', 1), reason: 'auth' }] })
      let loaded = await repo.load()
      expect(loaded.agents.map((a) => decodeFacts(a.facts).name)).toEqual(['A2'])
      expect(loaded.checkpoints.get('c')).toBe(2)
      expect((await repo.listSwitches('main', 10)).switches.map((s) => s.reason)).toEqual(['auth'])
      await repo.save({ agents: [], removedAgents: ['a'], checkpoints: new Map(), addedSwitches: [], removedSwitches: ['x'], kv: new Map() })
      loaded = await repo.load()
      expect(loaded.agents).toEqual([])
      expect((await repo.listSwitches('main', 10)).total).toBe(0)
      await store.close()
    })

    it('a failed transaction saves nothing', async () => {
      const store = await open(dialect)
      const repo = createFleetRepository(store)
      const bad = { ...sw('y', 1), fromModel: null as unknown as string }
      await expect(
        repo.save({ agents: [{ agentId: 'z', facts: '{}', view: null, judgedAt: null }], removedAgents: [], checkpoints: new Map([['c', 9]]), addedSwitches: [bad], removedSwitches: [], kv: new Map() }),
      ).rejects.toThrow()
      const loaded = await repo.load()
      expect(loaded.agents).toEqual([])
      expect(loaded.checkpoints.size).toBe(0)
      await store.close()
    })

    it('keeps host agents and credentials, batches their times, and deletes an agent with its keys', async () => {
      const store = await open(dialect)
      const hosts = createHostRepository(store)
      const agent = (id: string) => ({ agent_id: id, agent_name: id.toUpperCase(), pool_id: 'p', tags: ['gpu', 'x'], created_at: 1000, last_seen_at: null })
      const cred = (key: string, agentId: string) => ({ app_key: key, agent_id: agentId, secret_sha256: 'ab'.repeat(32), created_at: 1000, last_used_at: null })
      for (let i = 0; i < 450; i++) await hosts.insertAgent(agent(`h${i}`), cred(`k${i}`, `h${i}`))
      await hosts.insertCredential(cred('k0b', 'h0'))
      await hosts.insertCredential(cred('k0c', 'h0'), 'k0b')
      const seen = new Map(Array.from({ length: 450 }, (_, i) => [`h${i}`, 1_795_000_000_000 + i] as [string, number]))
      // The save lets the event loop run between its chunks (three of hosts, one of keys here).
      let turns = 0
      const tick = (): void => {
        turns++
        if (!saved) setImmediate(tick)
      }
      let saved = false
      setImmediate(tick)
      await hosts.saveTimes(seen, new Map([['k0c', 1_795_000_000_123]]))
      saved = true
      expect(turns).toBeGreaterThanOrEqual(4)
      await hosts.updateAgent({ ...agent('h1'), agent_name: 'Renamed', pool_id: 'q', tags: [] })
      await hosts.deleteAgent('h2')
      const loaded = await hosts.load()
      expect(loaded.agents).toHaveLength(449)
      expect(loaded.agents.find((a) => a.agent_id === 'h0')).toEqual({ ...agent('h0'), last_seen_at: 1_795_000_000_000 })
      expect(loaded.agents.find((a) => a.agent_id === 'h449')!.last_seen_at).toBe(1_795_000_000_449)
      expect(loaded.agents.find((a) => a.agent_id === 'h1')).toMatchObject({ agent_name: 'Renamed', pool_id: 'q', tags: [] })
      expect(loaded.credentials.filter((c) => c.agent_id === 'h0').map((c) => [c.app_key, c.last_used_at])).toEqual([
        ['k0', null],
        ['k0c', 1_795_000_000_123],
      ])
      expect(loaded.credentials.some((c) => c.agent_id === 'h2')).toBe(false)
      await expect(hosts.insertAgent(agent('h0'), cred('kdup', 'h0'))).rejects.toThrow()
      expect((await hosts.load()).credentials.some((c) => c.app_key === 'kdup')).toBe(false)
      await store.close()
    })

    it('keeps executions: filters, search, cursor pages, unfinished rows, pruning, runners', async () => {
      const store = await open(dialect)
      const repo = createExecutionsRepository(store)
      const ids: number[] = []
      for (let i = 0; i < 7; i++) {
        const e = await repo.insert(
          { execution_type: i % 3 === 0 ? 'workflow' : 'agent_test', agent_id: i % 2 ? 'main' : 'ops', workflow_id: null, runner: 'command', test_input: `input ${i} 50%_off`, started_by: 'api', meta: { i } },
          1000 + i,
        )
        ids.push(e.id)
      }
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      await repo.update(ids[1]!, { status: 'succeeded', test_output: 'fine', finished_at: 5000, steps: [] }, 5000)
      await repo.update(ids[2]!, { status: 'running', started_at: 4000 }, 4000)
      const got = await repo.get(ids[1]!)
      expect(got).toMatchObject({ status: 'succeeded', test_output: 'fine', meta: { i: 1 }, finished_at: new Date(5000).toISOString() })
      expect((await repo.list({ limit: 10 })).map((e) => e.id)).toEqual([...ids].reverse())
      expect((await repo.list({ agentId: 'main', type: 'agent_test', limit: 10 })).map((e) => e.id)).toEqual([ids[5], ids[1]])
      expect((await repo.list({ status: 'running', limit: 10 })).map((e) => e.id)).toEqual([ids[2]])
      const page1 = await repo.list({ limit: 3 })
      const page2 = await repo.list({ limit: 3, beforeId: page1.at(-1)!.id })
      expect(page2.map((e) => e.id)).toEqual([ids[3], ids[2], ids[1]])
      // Search is literal: "%" and "_" match themselves only.
      expect((await repo.list({ q: 'input 4 50%_', limit: 10 })).map((e) => e.id)).toEqual([ids[4]])
      expect(await repo.list({ q: 'input 4 50%x', limit: 10 })).toEqual([])
      expect((await repo.list({ q: 'fine', limit: 10 })).map((e) => e.id)).toEqual([ids[1]])
      expect((await repo.unfinished()).length).toBe(7 - 1)
      expect(await repo.prune(6000)).toBe(1)
      expect(await repo.get(ids[1]!)).toBeNull()
      expect(await repo.getRunner('main')).toBeNull()
      await repo.putRunner('main', { kind: 'command', command: 'echo', args: ['hi'], timeout_ms: 5000 }, 1)
      await repo.putRunner('main', { kind: 'http', url: 'http://127.0.0.1:9/x', format: 'openai-chat' }, 2)
      expect(await repo.getRunner('main')).toEqual({ kind: 'http', url: 'http://127.0.0.1:9/x', format: 'openai-chat' })
      await store.close()
    })

    it('keeps workflows with unique names, and runs narrowed to one workflow', async () => {
      const store = await open(dialect)
      const workflows = createWorkflowsRepository(store)
      const steps = [{ agent_id: 'main', input: 'a {{input}}', on_failure: 'stop' as const }, { name: 'two', agent_id: 'ops', input: '{{previous.output}}', on_failure: 'continue' as const, timeout_ms: 500 }]
      const a = (await workflows.insert({ name: 'b-flow', description: 'first', steps }, 10))!
      expect(a).toMatchObject({ name: 'b-flow', description: 'first', steps, created_at: new Date(10).toISOString() })
      expect(await workflows.insert({ name: 'b-flow', steps }, 11)).toBeNull()
      const b = (await workflows.insert({ name: 'a-flow', steps: [steps[0]!] }, 12))!
      expect(b.id).toBeGreaterThan(a.id)
      expect((await workflows.list()).map((w) => w.name)).toEqual(['a-flow', 'b-flow'])
      expect(await workflows.update(a.id, { name: 'a-flow', steps }, 13)).toBe('name_taken')
      expect(await workflows.update(9_999_999, { name: 'z', steps }, 13)).toBe('missing')
      const renamed = await workflows.update(a.id, { name: 'c-flow', description: null, steps: [steps[1]!] }, 14)
      expect(renamed).toMatchObject({ id: a.id, name: 'c-flow', description: null, steps: [steps[1]], created_at: new Date(10).toISOString(), updated_at: new Date(14).toISOString() })
      expect((await workflows.getByName('c-flow'))?.id).toBe(a.id)
      expect(await workflows.delete(a.id)).toBe(true)
      expect(await workflows.delete(a.id)).toBe(false)
      expect(await workflows.get(a.id)).toBeNull()

      const executions = createExecutionsRepository(store)
      const run = await executions.insert({ execution_type: 'workflow', agent_id: null, workflow_id: b.id, runner: null, test_input: '', started_by: null, meta: null, steps: [], progress: 0 }, 20)
      await executions.insert({ execution_type: 'workflow', agent_id: null, workflow_id: b.id + 1, runner: null, test_input: '', started_by: null, meta: null }, 21)
      expect((await executions.list({ workflowId: b.id, limit: 10 })).map((e) => e.id)).toEqual([run.id])
      expect(run.progress).toBe(0)
      await store.close()
    })

    it('keeps the task lists agents post, one per conversation', async () => {
      const store = await open(dialect)
      const repo = createConversationTasksRepository(store)
      const task = { id: 't1', title: 'Plan', status: 'todo' as const, notes: '', updated_at: '2026-11-22T00:00:00.000Z', source: 'api' as const, outcome: null }
      await repo.put({ conversationId: 'c1', agentId: 'main', tasks: [task], result: null, createdAt: 1, updatedAt: 1 })
      await repo.put({ conversationId: 'c1', agentId: 'main', tasks: [{ ...task, status: 'done' }], result: 'ok', createdAt: 5, updatedAt: 5 })
      await repo.put({ conversationId: 'c2', agentId: 'w', tasks: [], result: null, createdAt: 2, updatedAt: 2 })
      const all = (await repo.loadAll()).sort((a, b) => a.conversationId.localeCompare(b.conversationId))
      expect(all).toEqual([
        { conversationId: 'c1', agentId: 'main', tasks: [{ ...task, status: 'done' }], result: 'ok', createdAt: 1, updatedAt: 5 },
        { conversationId: 'c2', agentId: 'w', tasks: [], result: null, createdAt: 2, updatedAt: 2 },
      ])
      await store.close()
    })
  })
}

describe('the database URL', () => {
  it('anything but postgres:// or postgresql:// stops the start instead of falling back to SQLite', async () => {
    const dir = await tempDir('swb-store-url-')
    for (const [url, scheme] of [
      ['mysql://root@127.0.0.1/switchboard', 'mysql'],
      ['sqlite:///tmp/x.db', 'sqlite'],
      ['127.0.0.1:5432/test', 'no scheme'],
    ]) {
      await expect(openStore({ dataDir: dir, databaseUrl: url })).rejects.toThrow(`must be postgres:// or postgresql://, not ${scheme}`)
    }
    expect(existsSync(join(dir, 'switchboard.db'))).toBe(false)
  })
})

describe('the SQLite store file', () => {
  it('a file that is not a database stops the start, naming it and what to do', async () => {
    const dir = await tempDir('swb-store-damaged-')
    writeFileSync(join(dir, 'switchboard.db'), Buffer.alloc(8192, 0x5a))
    await expect(openStore({ dataDir: dir })).rejects.toThrow(
      new RegExp(`^the store ${join(dir, 'switchboard.db').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be read \\(file is not a database\\): move it aside`),
    )
  })
})
