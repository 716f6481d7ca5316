/**
 * The OpenHands client and poller against a local server that answers like OpenHands' documented
 * conversations API: pages, statuses one to one, the API key, malformed records and answers, a
 * server that fails and comes back.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createOpenHandsClient, OpenHandsError, type OpenHandsConversation } from '../../src/server/sources/openhands/openhands.client.js'
import { createOpenHandsPoller, nextIntervalMs } from '../../src/server/sources/openhands/openhands.poller.js'
import { startFakeOpenHands, type FakeOpenHands } from '../helpers/openhands-server.js'
import { waitFor } from '../helpers/test-server.js'

let oh: FakeOpenHands
beforeEach(async () => {
  oh = await startFakeOpenHands()
})
afterEach(async () => {
  await oh.close()
})

const conv = (i: number, status = 'STOPPED', extra: Record<string, unknown> = {}) => ({
  conversation_id: `c${i}`,
  title: `Task ${i}`,
  status,
  runtime_status: status === 'RUNNING' ? 'STATUS$READY' : null,
  created_at: new Date(Date.UTC(2026, 10, 22, 0, i)).toISOString(),
  last_updated_at: new Date(Date.UTC(2026, 10, 22, 1, i)).toISOString(),
  selected_repository: 'acme/app',
  session_api_key: 'sk-must-not-be-kept',
  num_connections: 1,
  pr_number: [7],
  ...extra,
})
const quiet = { warn() {}, info() {} }

describe('OpenHands client', () => {
  it('reads pages with the key, keeping the documented fields and never the session key', async () => {
    oh.conversations = [conv(1, 'RUNNING'), conv(2, 'STARTING'), conv(3)]
    const client = createOpenHandsClient({ url: `${oh.url}/`, apiKey: oh.apiKey })
    const first = await client.page(null, 2)
    expect(first.conversations.map((c) => [c.conversation_id, c.status])).toEqual([
      ['c3', 'STOPPED'],
      ['c2', 'STARTING'],
    ])
    expect(first.nextPageId).not.toBeNull()
    const second = await client.page(first.nextPageId, 2)
    expect(second).toMatchObject({ nextPageId: null, skipped: [] })
    expect(second.conversations[0]).toEqual({
      conversation_id: 'c1',
      title: 'Task 1',
      status: 'RUNNING',
      runtime_status: 'STATUS$READY',
      created_at: '2026-11-22T00:01:00.000Z',
      last_updated_at: '2026-11-22T01:01:00.000Z',
      selected_repository: 'acme/app',
      selected_branch: null,
      trigger: null,
      num_connections: 1,
      url: null,
      pr_number: [7],
    })
    expect(JSON.stringify(second)).not.toContain('sk-must-not-be-kept')
    expect(await client.get('c2')).toMatchObject({ conversation_id: 'c2', status: 'STARTING' })
    expect(await client.get('nope')).toBeNull()
  })

  it('stops reading an answer past the size limit, even one without a length that never ends', async () => {
    // Before, the whole answer was read first: an endless one until the timeout, into memory.
    const endless = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
      }
      res.on('drain', pump)
      req.on('close', () => res.destroy())
      pump()
    })
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = endless.address() as AddressInfo
      const client = createOpenHandsClient({ url: `http://127.0.0.1:${port}`, apiKey: 'k', maxBytes: 1024 * 1024, timeoutMs: 60_000 })
      await expect(client.page(null, 10)).rejects.toThrow('answered more than 1048576 bytes')
    } finally {
      endless.closeAllConnections()
      await new Promise((resolve) => endless.close(resolve))
    }
  })

  it('says why it cannot read: wrong key, down, not JSON, not a result set; skips bad records', async () => {
    await expect(createOpenHandsClient({ url: oh.url, apiKey: 'wrong' }).page(null, 10)).rejects.toThrow('refused the API key (HTTP 401)')
    const client = createOpenHandsClient({ url: oh.url, apiKey: oh.apiKey })
    oh.rawList = '<html>'
    await expect(client.page(null, 10)).rejects.toThrow('did not answer JSON')
    oh.rawList = '[]'
    await expect(client.page(null, 10)).rejects.toThrow('did not answer {results: […]}')
    oh.rawList = JSON.stringify({ results: [conv(1), { title: 'no id' }, conv(2, 'PAUSED'), 'x'], next_page_id: null })
    const page = await client.page(null, 10)
    expect(page.conversations.map((c) => c.conversation_id)).toEqual(['c1'])
    expect(page.skipped).toEqual(['no conversation_id', 'unknown status "PAUSED"', 'not an object'])
    oh.failWith = 500
    await expect(client.page(null, 10)).rejects.toThrow('answered HTTP 500')
    const down = createOpenHandsClient({ url: 'http://127.0.0.1:9', apiKey: 'k', timeoutMs: 2000 })
    await expect(down.page(null, 10)).rejects.toBeInstanceOf(OpenHandsError)
  })
})

describe('OpenHands poller', () => {
  it('follows pages, sees changes, keeps the last copy while the server fails, and recovers', async () => {
    oh.conversations = Array.from({ length: 230 }, (_, i) => conv(i))
    const snapshots: OpenHandsConversation[][] = []
    const poller = createOpenHandsPoller({ client: createOpenHandsClient({ url: oh.url, apiKey: oh.apiKey }), onSnapshot: (s) => snapshots.push(s), log: quiet, intervalMs: 20 })
    await poller.start()
    try {
      expect(snapshots[0]).toHaveLength(230)
      expect(oh.requests.filter((r) => r.startsWith('GET /api/conversations?')).length).toBe(3)
      oh.conversations[0]!.status = 'ERROR'
      await waitFor(() => snapshots.at(-1)?.find((c) => c.conversation_id === 'c0')?.status === 'ERROR', 'the change')
      oh.failWith = 503
      await waitFor(() => poller.state().lastError?.includes('HTTP 503'), 'the failure')
      const count = snapshots.length
      oh.failWith = null
      await waitFor(() => poller.state().lastError === null && snapshots.length > count, 'recovery')
      expect(poller.state()).toMatchObject({ conversations: 230, skipped: 0 })
    } finally {
      poller.stop()
    }
  })

  it('polls as often as the liveliest status asks (seed 001)', () => {
    const c = (status: OpenHandsConversation['status']) => ({ status }) as OpenHandsConversation
    expect(nextIntervalMs([])).toBe(10_000)
    expect(nextIntervalMs([c('STOPPED'), c('RUNNING')])).toBe(30_000)
    expect(nextIntervalMs([c('RUNNING'), c('ERROR')])).toBe(10_000)
    expect(nextIntervalMs([c('STARTING'), c('ARCHIVED')])).toBe(3_000)
    expect(nextIntervalMs([c('ARCHIVED')])).toBe(60_000)
  })
})
