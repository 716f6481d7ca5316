/**
 * Transcripts and logs parsed in worker threads give exactly what parsing in place gives: the built
 * server is run both ways on the same fixture (the threshold forced to 0 so every transcript and
 * log goes to a worker), and the fleets it serves are compared. The same for conversations: quiet sessions and
 * agent databases are read whole by workers on the first read.
 */
import { appendFile, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ConversationDetail, ConversationsPage } from '../../src/shared/conversations.js'
import type { ModelStatusesResponse } from '../../src/shared/model-status.js'
import { api, copyFixture, copyFixtureLog, removeTempDirs, startServer } from '../helpers/test-server.js'

afterAll(removeTempDirs)

type Fixture = 'openclaw-2026.4.15' | 'openclaw-2026.9.6'

async function fleetWith(fixture: Fixture, args: string[], change?: (home: string, log: string) => Promise<void>): Promise<ModelStatusesResponse['agents']> {
  return (await readWith(fixture, args, change)).agents
}

async function readWith(
  fixture: Fixture,
  args: string[],
  change?: (home: string, log: string) => Promise<void>,
): Promise<{ agents: ModelStatusesResponse['agents']; rejected: number }> {
  const home = await copyFixture(fixture)
  const log = await copyFixtureLog(fixture)
  await change?.(home, log)
  const server = await startServer({ openclawDirs: [home], openclawLogs: [log], args })
  try {
    const { body } = await api<ModelStatusesResponse>(server, '/api/agents/model-statuses')
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text()
    const rejected = [...metrics.matchAll(/^ingest_rejected_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
    // Where each copy lives differs (and log switch ids derive from their file); what was read must not.
    const agents = body.agents.map((a) => ({
      ...a,
      source: { ...a.source, stateDir: '' },
      switchHistory: a.switchHistory.map((s) => ({ ...s, id: s.id.replace(/:.*/, '') })),
    }))
    return { agents, rejected }
  } finally {
    await server.close()
  }
}

/** 65 MiB without a line break (a corrupt stretch of zeros, say), in a transcript and mid-log. */
async function withOverlongLines(home: string, log: string): Promise<void> {
  const giant = Buffer.alloc(65 * 1024 * 1024)
  await appendFile(path.join(home, 'agents/ops/sessions/ea99fac1-1870-40c5-a0ee-2b2cff7c3461.jsonl'), Buffer.concat([giant, Buffer.from('\n')]))
  const lines = (await readFile(log, 'utf8')).split('\n')
  const half = Math.floor(lines.length / 2)
  await writeFile(log, Buffer.concat([Buffer.from(lines.slice(0, half).join('\n') + '\n'), giant, Buffer.from('\n' + lines.slice(half).join('\n'))]))
}

describe('parse workers', () => {
  // With the threshold at 0, every transcript, every log and every agent database (never read
  // before) is read by a worker.
  it('serve the same fleet as parsing in place (JSONL transcripts)', async () => {
    const inPlace = await fleetWith('openclaw-2026.4.15', ['--parse-workers', '0'])
    const inWorkers = await fleetWith('openclaw-2026.4.15', ['--parse-workers', '2', '--parse-worker-threshold', '0'])
    expect(inPlace.map((a) => a.agentId)).toEqual(['main', 'ops', 'plain', 'research', 'rl', 'slow'])
    expect(inPlace.find((a) => a.agentId === 'main')!.switchHistory).toHaveLength(8)
    expect(inWorkers).toEqual(inPlace)
  })

  it('skip a line too long to keep as reading in place does, and serve the same fleet as without it', async () => {
    const plain = await fleetWith('openclaw-2026.4.15', ['--parse-workers', '0'])
    const inPlace = await readWith('openclaw-2026.4.15', ['--parse-workers', '0'], withOverlongLines)
    const inWorkers = await readWith('openclaw-2026.4.15', ['--parse-workers', '2', '--parse-worker-threshold', '0'], withOverlongLines)
    // One line in the transcript, one in the log; a range of the log that starts inside the long
    // line leaves the rest of the log to the read in place.
    expect(inPlace.rejected).toBe(2)
    expect(inWorkers.rejected).toBe(2)
    expect(inPlace.agents).toEqual(plain)
    expect(inWorkers.agents).toEqual(plain)
  })

  it('serve the same fleet as reading in place (agent databases)', async () => {
    const inPlace = await fleetWith('openclaw-2026.9.6', ['--parse-workers', '0'])
    const inWorkers = await fleetWith('openclaw-2026.9.6', ['--parse-workers', '2', '--parse-worker-threshold', '0'])
    const main = inPlace.find((a) => a.agentId === 'main')!
    expect(main.source.layout).toBe('sqlite')
    expect(main.switchHistory.length).toBeGreaterThan(0)
    expect(main.allModels.some((m) => m.attempts > 0)).toBe(true)
    expect(inWorkers).toEqual(inPlace)
  })
})

/** Every file of a copy last written an hour ago: its sessions are quiet. */
async function ageFiles(dir: string, at: Date): Promise<void> {
  for (const name of await readdir(dir)) {
    const p = path.join(dir, name)
    if ((await stat(p)).isDirectory()) await ageFiles(p, at)
    else await utimes(p, at, at)
  }
}

async function conversationsWith(home: string, args: string[]): Promise<{ list: ConversationsPage['conversations']; details: ConversationDetail[] }> {
  const server = await startServer({ openclawDirs: [home], args })
  try {
    const { body } = await api<ConversationsPage>(server, '/api/conversations?limit=200')
    const details: ConversationDetail[] = []
    for (const c of body.conversations) {
      details.push((await api<ConversationDetail>(server, `/api/conversations/${encodeURIComponent(c.conversation_id)}`)).body)
    }
    return { list: body.conversations, details }
  } finally {
    await server.close()
  }
}

describe('conversation reads in parse workers', () => {
  it.each(['openclaw-2026.4.15', 'openclaw-2026.9.6'] as const)('give the same conversations, runs and attempts as reading in place (%s)', async (fixture) => {
    const home = await copyFixture(fixture)
    await ageFiles(home, new Date(Date.now() - 3_600_000))
    const inPlace = await conversationsWith(home, ['--parse-workers', '0'])
    const inWorkers = await conversationsWith(home, ['--parse-workers', '2'])
    expect(inPlace.list.length).toBeGreaterThan(3)
    expect(inPlace.details.some((d) => d.runs.some((r) => r.attempts.length > 1))).toBe(true)
    expect(inWorkers.list).toEqual(inPlace.list)
    expect(inWorkers.details).toEqual(inPlace.details)
  })
})
