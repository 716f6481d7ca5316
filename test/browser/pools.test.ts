/**
 * Agent pools (seed 003) in real Chromium against the real server: agents registered and pinging
 * through the API, their usage bars in the seed's colours, a new ping arriving without a reload,
 * registering through the dialog (the secret shown once), key rotation, the agent that is both an
 * OpenClaw agent and a host, both themes, both languages and a phone.
 * Screenshots land in test-results/screenshots/.
 */
import { type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AgentPingRequest, CreateHostAgentResponse, IssuedCredential } from '../../src/shared/agent-hosts.js'
import { launchBrowser, newPage as openPage, overflowing, shot, text } from '../helpers/browser.js'
import { copyFixture, removeTempDirs, startServer, tempDir, type ServerProcess } from '../helpers/test-server.js'


let browser: Browser
let server: ServerProcess

beforeAll(async () => {
  browser = await launchBrowser()
  // OpenClaw agents main, ops, research and rl: `main` is registered as a host too.
  server = await startServer({ openclawDirs: [await copyFixture('openclaw-2026.9.6')] })
})

afterAll(async () => {
  await server?.close()
  await browser?.close()
  await removeTempDirs()
})

async function call<T>(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${server.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: r.status, body: (r.status === 204 ? null : await r.json()) as T }
}

async function register(agentId: string, poolId: string, extra: { agent_name?: string; tags?: string[] } = {}): Promise<IssuedCredential> {
  const r = await call<CreateHostAgentResponse>('POST', '/api/v1/agents', { agent_id: agentId, pool_id: poolId, ...extra })
  expect(r.status).toBe(201)
  return r.body.credential
}

/** What each agent said last, so a test can say it again before it would be judged offline. */
const lastPing = new Map<string, { credential: IssuedCredential; body: AgentPingRequest }>()

async function ping(credential: IssuedCredential, body: AgentPingRequest): Promise<number> {
  const r = await fetch(`${server.url}/api/v1/agents/${credential.agent_id}/ping`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-app-key': credential.app_key, 'x-app-secret': credential.app_secret },
    body: JSON.stringify(body),
  })
  if (r.status === 200) {
    if (body.status === 'offline') lastPing.delete(credential.agent_id)
    else lastPing.set(credential.agent_id, { credential, body })
  }
  return r.status
}

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString()

const newPage = (options: BrowserContextOptions = {}) => openPage(browser, options)

/** Signs in from the printed link, straight onto `route`. */
async function open(page: Page, route: string): Promise<void> {
  await page.goto(`${server.url}/#${route}?token=${server.token}`)
}

const row = (page: Page, agentId: string): Locator => page.locator(`[data-testid="host-row"][data-agent="${agentId}"]`)
const poolCard = (page: Page, poolId: string): Locator => page.locator(`[data-testid="pool-card"][data-pool="${poolId}"]`)


describe('agent pools', () => {
  let worker: IssuedCredential

  beforeAll(async () => {
    worker = await register('worker-01', 'build', { agent_name: 'Build worker 01', tags: ['linux', 'x64'] })
    const second = await register('worker-02', 'build', { tags: ['linux'] })
    const gone = await register('worker-03', 'build', { agent_name: 'Nightly runner' })
    await register('worker-04', 'build')
    const main = await register('main', 'gpu', { agent_name: 'Main (GPU box)' })
    const gpu2 = await register('trainer-7', 'gpu', { tags: ['a100'] })

    expect(
      await ping(worker, {
        status: 'busy',
        cpu_usage: 45.5,
        memory_usage: 92.1,
        running_tasks: [{ task_id: 1, task_type: 'plan', workspace_id: 'ws-1', started_at: ago(125_000) }],
      }),
    ).toBe(200)
    expect(await ping(second, { status: 'idle', cpu_usage: 12, memory_usage: 38.4, running_tasks: [] })).toBe(200)
    expect(await ping(gone, { status: 'idle', cpu_usage: 5, memory_usage: 20, running_tasks: [] })).toBe(200)
    expect(await ping(gone, { status: 'offline', cpu_usage: 5, memory_usage: 20, running_tasks: [] })).toBe(200)
    expect(
      await ping(main, {
        status: 'busy',
        cpu_usage: 71.2,
        memory_usage: 64,
        running_tasks: [
          { task_id: 'train-42', task_type: 'train', workspace_id: 'ws-gpu', started_at: ago(3_725_000), title: 'Fine-tune run 42' },
          { task_id: 7, task_type: 'eval', workspace_id: 'ws-gpu', started_at: ago(40_000) },
        ],
      }),
    ).toBe(200)
    expect(await ping(gpu2, { status: 'busy', cpu_usage: 96.3, memory_usage: 81.5, running_tasks: [] })).toBe(200)
  })

  // Without `interval_sec` an agent is offline after 90 s of silence: say everything again.
  beforeEach(async () => {
    for (const { credential, body } of [...lastPing.values()]) await ping(credential, body)
  })

  it('colours each bar by the seed’s thresholds and follows a new ping without a reload', async () => {
    const { context, page, errors } = await newPage()
    await open(page, '/pools')

    const build = poolCard(page, 'build')
    await build.waitFor()
    expect(page.url()).not.toContain(server.token)
    expect(await text(build.getByTestId('pool-online'))).toBe('2')
    expect(await text(build.getByTestId('pool-offline'))).toBe('2')
    expect(await text(build.getByTestId('pool-tasks'))).toBe('1')
    await poolCard(page, 'gpu').waitFor()
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live')
    await shot(page, 'pools-desktop-light')

    await build.getByRole('link', { name: 'Open pool' }).click()
    const w1 = row(page, 'worker-01')
    await w1.waitFor()
    expect(page.url()).toContain('#/pools/build')
    expect(await w1.getByTestId('cpu-bar').getAttribute('data-level')).toBe('ok')
    expect(await w1.getByTestId('memory-bar').getAttribute('data-level')).toBe('critical')
    expect(await text(w1.getByTestId('cpu-bar'))).toContain('45.5%')
    expect(await text(w1.getByTestId('memory-bar'))).toContain('92.1%')
    expect(await text(w1.getByTestId('host-state'))).toBe('Busy')

    // The task, and how long it has run, ticking.
    const task = w1.getByTestId('running-task')
    expect(await task.count()).toBe(1)
    expect(await text(task)).toContain('plan')
    expect(await text(task)).toContain('ws-1')
    const duration = task.getByTestId('task-duration')
    const before = await text(duration)
    expect(before).toMatch(/^2m \d\ds$/)
    await expect.poll(() => text(duration), { timeout: 5000 }).not.toBe(before)

    // Offline: greyed with when it was last seen; never pinged: said so.
    expect(await row(page, 'worker-03').getAttribute('data-online')).toBe('false')
    expect(await text(row(page, 'worker-03'))).toMatch(/Last seen (just now|\d+s ago)/)
    expect(await text(row(page, 'worker-04'))).toContain('Never pinged yet')

    // A marker on window disappears on any reload: it proves the change came over the live stream.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }))
    expect(
      await ping(worker, {
        status: 'busy',
        cpu_usage: 75,
        memory_usage: 92.1,
        running_tasks: [{ task_id: 1, task_type: 'plan', workspace_id: 'ws-1', started_at: ago(127_000) }],
      }),
    ).toBe(200)
    await expect.poll(() => w1.getByTestId('cpu-bar').getAttribute('data-level'), { timeout: 10_000 }).toBe('warn')
    expect(await text(w1.getByTestId('cpu-bar'))).toContain('75%')
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    await shot(page, 'pool-detail-light')

    expect(errors).toEqual([])
    await context.close()
  })

  it('registers an agent in the dialog, shows its secret once, and rotates and deletes it with confirmation', async () => {
    const { context, page, errors } = await newPage()
    await open(page, '/pools/build')
    await row(page, 'worker-01').waitFor()

    await page.getByTestId('register-open').click()
    const dialog = page.getByRole('dialog', { name: 'Register an agent' })
    await dialog.waitFor()
    await page.getByTestId('register-id').fill('bad id!')
    await page.getByTestId('register-submit').click()
    await dialog.getByText('Letters, digits, dots').waitFor()

    await page.getByTestId('register-id').fill('ui-agent')
    await page.getByTestId('register-name').fill('Registered in the UI')
    await page.getByTestId('register-submit').click()

    const reveal = page.getByTestId('credential-reveal')
    await reveal.waitFor()
    expect(await text(page.getByTestId('shown-once'))).toContain('shown only once')
    const key = await text(page.getByTestId('issued-key'))
    const secret = await text(page.getByTestId('issued-secret'))
    expect(key).toMatch(/^swb_ak_/)
    expect(secret).toMatch(/^swb_sk_/)
    await shot(page, 'register-secret')

    // The secret that was shown works.
    expect(await ping({ agent_id: 'ui-agent', app_key: key, app_secret: secret, created_at: 0 }, { status: 'idle', cpu_usage: 3, memory_usage: 10, running_tasks: [] })).toBe(200)

    // Closing without copying asks first; afterwards the secret is gone from the page for good.
    await page.getByTestId('register-done').click()
    await page.getByRole('button', { name: 'Close anyway' }).click()
    await reveal.waitFor({ state: 'detached' })
    expect(await page.content()).not.toContain(secret)

    // The new agent arrived in this pool's list by itself, online after its ping.
    const ui = row(page, 'ui-agent')
    await ui.waitFor()
    await expect.poll(() => ui.getAttribute('data-online')).toBe('true')
    await ui.getByTestId('keys-toggle').click()
    const credential = ui.locator(`[data-testid="credential"][data-key="${key}"]`)
    await credential.waitFor()
    expect(await text(credential)).not.toContain(secret)

    // Rotate: asked first; the new secret is shown once and the old one stops working.
    await credential.getByTestId('rotate-key').click()
    await page.getByRole('button', { name: 'Rotate', exact: true }).last().click()
    const rotated = page.getByTestId('issued-secret')
    await rotated.waitFor()
    const newKey = await text(page.getByTestId('issued-key'))
    const newSecret = await text(rotated)
    expect(newSecret).not.toBe(secret)
    expect(await ping({ agent_id: 'ui-agent', app_key: key, app_secret: secret, created_at: 0 }, { status: 'idle', cpu_usage: 3, memory_usage: 10, running_tasks: [] })).toBe(401)
    expect(await ping({ agent_id: 'ui-agent', app_key: newKey, app_secret: newSecret, created_at: 0 }, { status: 'idle', cpu_usage: 4, memory_usage: 11, running_tasks: [] })).toBe(200)
    // Copied: the dialog closes without asking.
    await page.getByTestId('copy-secret').click()
    await expect.poll(() => text(page.getByTestId('copy-secret'))).toBe('Copied')
    await page.getByTestId('credential-done').click()
    await rotated.waitFor({ state: 'detached' })
    await ui.locator(`[data-testid="credential"][data-key="${newKey}"]`).waitFor()
    expect(await ui.locator(`[data-testid="credential"][data-key="${key}"]`).count()).toBe(0)

    // Delete: asked first, then gone from the page and from the server.
    await ui.getByTestId('delete-agent').click()
    await page.getByRole('button', { name: 'Delete agent' }).last().click()
    await ui.waitFor({ state: 'detached' })
    expect((await call('GET', '/api/v1/agents/ui-agent')).status).toBe(404)

    expect(errors).toEqual([])
    await context.close()
  })

  it('shows an agent that is both an OpenClaw agent and a host as one, on its card and its page', async () => {
    const { context, page, errors } = await newPage()
    await open(page, '/')
    const card = page.locator('[data-testid="agent-card"][data-agent="main"]')
    await card.waitFor()
    const host = card.getByTestId('host-compact')
    await host.waitFor()
    expect(await host.getByTestId('cpu-bar').getAttribute('data-level')).toBe('warn')
    expect(await text(host.getByTestId('host-pool-link'))).toBe('Pool gpu')
    expect(await page.locator('[data-testid="agent-card"][data-agent="ops"] [data-testid="host-compact"]').count()).toBe(0)
    await shot(page, 'dashboard-host-card')

    // From the pool page, the host links to the agent's page and its Host tab.
    await host.getByTestId('host-pool-link').click()
    const mainRow = row(page, 'main')
    await mainRow.waitFor()
    await mainRow.getByRole('link', { name: 'Main (GPU box)' }).click()
    const panel = page.getByTestId('host-panel')
    await panel.waitFor()
    expect(page.url()).toContain('#/agents/main')
    expect(page.url()).toContain('tab=host')
    expect(await panel.getByTestId('cpu-bar').getAttribute('data-level')).toBe('warn')
    expect(await panel.getByTestId('running-task').count()).toBe(2)
    expect(await text(panel.getByTestId('running-task').first())).toMatch(/1h 0\dm/)
    await panel.getByTestId('host-chart').waitFor()
    await shot(page, 'agent-host-tab')

    expect(errors).toEqual([])
    await context.close()
  })

  it('keeps a pool fresh over HTTP polling while the live stream is down', async () => {
    const { context, page, errors } = await newPage()
    // Every WebSocket to the server is refused at once: only the REST polling fallback is left.
    await page.routeWebSocket(/\/ws/, (ws) => ws.close({ code: 1011, reason: 'blocked by the test' }))
    await open(page, '/pools/build')
    const w2 = row(page, 'worker-02')
    await w2.waitFor()
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('polling')
    expect(await w2.getByTestId('memory-bar').getAttribute('data-level')).toBe('ok')

    expect(await ping(lastPing.get('worker-02')!.credential, { status: 'busy', cpu_usage: 12, memory_usage: 95, running_tasks: [] })).toBe(200)
    await expect.poll(() => w2.getByTestId('memory-bar').getAttribute('data-level'), { timeout: 12_000 }).toBe('critical')
    expect(await text(w2.getByTestId('host-state'))).toBe('Busy')

    expect(errors.filter((e) => !e.includes('WebSocket'))).toEqual([])
    await context.close()
  })

  it('looks right in the dark theme', async () => {
    const { context, page } = await newPage({ colorScheme: 'dark' })
    await open(page, '/pools/build')
    await row(page, 'worker-01').waitFor()
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true)
    await row(page, 'worker-01').getByTestId('keys-toggle').click()
    await row(page, 'worker-01').getByTestId('credentials').waitFor()
    await shot(page, 'pool-detail-dark')
    await open(page, '/pools')
    await poolCard(page, 'build').waitFor()
    await shot(page, 'pools-dark')
    await context.close()
  })

  it('speaks 简体中文 after the language switch', async () => {
    const { context, page } = await newPage()
    await open(page, '/pools/build')
    await row(page, 'worker-01').waitFor()

    await page.getByTestId('language').click()
    await page.getByRole('menuitem', { name: '简体中文' }).click()
    await page.getByRole('menu').waitFor({ state: 'hidden' })
    await expect.poll(() => text(row(page, 'worker-01').getByTestId('host-state'))).toBe('忙碌')
    expect(await text(row(page, 'worker-01').getByTestId('memory-bar'))).toContain('内存')
    expect(await text(page.getByTestId('pool-detail'))).toContain('运行中的任务')
    expect(await text(page.getByTestId('nav-pools'))).toBe('智能体池')
    expect(await text(row(page, 'worker-03'))).toContain('最后在线')
    await shot(page, 'pool-detail-zh-CN')

    await page.getByTestId('register-open').click()
    await page.getByRole('dialog', { name: '注册智能体' }).waitFor()
    await shot(page, 'register-zh-CN')
    await context.close()
  })

  it('fits a 375 px phone: nothing scrolls sideways', async () => {
    const { context, page } = await newPage({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    await open(page, '/pools')
    await poolCard(page, 'build').waitFor()
    expect(await page.getByTestId('nav-pools').isVisible()).toBe(true)
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'pools-phone-375')

    await page.goto(`${server.url}/#/pools/build`)
    await row(page, 'worker-01').waitFor()
    await row(page, 'worker-01').getByTestId('keys-toggle').click()
    await row(page, 'worker-01').getByTestId('credentials').waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'pool-detail-phone-375')

    await page.getByTestId('register-open').click()
    await page.getByRole('dialog', { name: 'Register an agent' }).waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'register-phone-375')
    await context.close()
  })
})

describe('no agent registered yet', () => {
  let empty: ServerProcess

  beforeAll(async () => {
    empty = await startServer({ openclawDirs: [await tempDir('swb-empty-openclaw-')] })
  })
  afterAll(async () => {
    await empty?.close()
  })

  it('says how an agent gets in, and registering the first one makes its pool appear', async () => {
    const { context, page, errors } = await newPage()
    await page.goto(`${empty.url}/#/pools?token=${empty.token}`)
    const state = page.getByTestId('pools-empty')
    await state.waitFor()
    expect(await text(state)).toContain('/api/v1/agents/<id>/ping')
    await shot(page, 'pools-empty')

    await state.getByRole('button', { name: 'Register agent' }).click()
    await page.getByTestId('register-id').fill('first')
    await page.getByTestId('register-submit').click()
    await page.getByTestId('issued-secret').waitFor()
    await page.getByTestId('copy-secret').click()
    await page.getByTestId('register-done').click()
    await page.getByTestId('issued-secret').waitFor({ state: 'detached' })
    await poolCard(page, 'default').waitFor()
    expect(await text(poolCard(page, 'default').getByTestId('pool-offline'))).toBe('1')

    expect(errors).toEqual([])
    await context.close()
  })
})
