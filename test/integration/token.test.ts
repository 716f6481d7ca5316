/** With no token configured, the server makes one, keeps it private in its data dir, and reuses it. */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { api, removeTempDirs, startServer, tempDir } from '../helpers/test-server.js'

afterAll(removeTempDirs)

describe('generated token', () => {
  it('is printed with the dashboard URL, saved with mode 0600, and the same after a restart', async () => {
    const dataDir = await tempDir('swb-token-')
    const first = await startServer({ openclawDirs: [], token: null, dataDir })
    expect(first.output()).toContain('a new token was generated')
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const file = path.join(dataDir, 'token')
    expect((await readFile(file, 'utf8')).trim()).toBe(first.token)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await api(first, '/api/agents/model-statuses')).status).toBe(200)
    await first.close()

    const second = await startServer({ openclawDirs: [], token: null, dataDir })
    expect(second.token).toBe(first.token)
    expect(second.output()).not.toContain('a new token was generated')
    await second.close()
  })
})
