/**
 * Transcripts parsed in worker threads give exactly what parsing in place gives: the built server
 * is run both ways on the same fixture (the threshold forced to 0 so every transcript goes to a
 * worker), and the fleets it serves are compared.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { ModelStatusesResponse } from '../../src/shared/model-status.js'
import { api, copyFixture, copyFixtureLog, removeTempDirs, startServer } from '../helpers/test-server.js'

afterAll(removeTempDirs)

async function fleetWith(args: string[]): Promise<ModelStatusesResponse['agents']> {
  const server = await startServer({
    openclawDirs: [await copyFixture('openclaw-2026.4.15')],
    openclawLogs: [await copyFixtureLog('openclaw-2026.4.15')],
    args,
  })
  try {
    const { body } = await api<ModelStatusesResponse>(server, '/api/agents/model-statuses')
    // Where each copy lives differs (and log switch ids derive from their file); what was read must not.
    return body.agents.map((a) => ({
      ...a,
      source: { ...a.source, stateDir: '' },
      switchHistory: a.switchHistory.map((s) => ({ ...s, id: s.id.replace(/:.*/, '') })),
    }))
  } finally {
    await server.close()
  }
}

describe('parse workers', () => {
  it('serve the same fleet as parsing in place', async () => {
    const inPlace = await fleetWith(['--parse-workers', '0'])
    const inWorkers = await fleetWith(['--parse-workers', '2', '--parse-worker-threshold', '0'])
    expect(inPlace.map((a) => a.agentId)).toEqual(['main', 'ops', 'plain', 'research', 'rl', 'slow'])
    expect(inPlace.find((a) => a.agentId === 'main')!.switchHistory).toHaveLength(8)
    expect(inWorkers).toEqual(inPlace)
  })
})
