/**
 * The built dashboard, served by the real server, in real Chromium: what a person sees on a desktop
 * and a phone, in both themes and both languages, and a change on disk arriving without a reload.
 * Screenshots land in test-results/screenshots/ (CI keeps them as artifacts).
 */
import { appendFile } from 'node:fs/promises'
import path from 'node:path'
import { type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, newPage as openPage, overflowing, shot, text } from '../helpers/browser.js'
import { copyFixture, copyFixtureLog, removeTempDirs, startServer, tempDir, type ServerProcess } from '../helpers/test-server.js'
import { turnLines } from '../helpers/transcript-lines.js'

const PLAIN_TRANSCRIPT = 'agents/plain/sessions/facd1f06-a69e-48e2-9e1a-5592d6626e5f.jsonl'
const FALLBACK = 'backup/mock-fallback'

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await removeTempDirs()
})

const newPage = (options: BrowserContextOptions = {}) => openPage(browser, options)

const card = (page: Page, agentId: string): Locator => page.locator(`[data-testid="agent-card"][data-agent="${agentId}"]`)


describe('dashboard on OpenClaw 2026.9.6 (SQLite layout)', () => {
  let server: ServerProcess

  beforeAll(async () => {
    const home = await copyFixture('openclaw-2026.9.6')
    server = await startServer({ openclawDirs: [home], openclawLogs: [await copyFixtureLog('openclaw-2026.9.6')] })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('signs in from the printed link, drops the token from the address and shows every agent on its fallback', async () => {
    const { context, page, errors } = await newPage()
    await page.goto(`${server.url}/#/?token=${server.token}`)

    await card(page, 'main').waitFor()
    expect(page.url()).not.toContain(server.token)
    expect(await page.evaluate(() => localStorage.getItem('switchboard.token'))).toBe(server.token)

    for (const agentId of ['main', 'ops', 'research', 'rl']) {
      const c = card(page, agentId)
      await c.waitFor()
      expect(await text(c.getByTestId('current-model')), agentId).toBe(FALLBACK)
      await c.getByTestId('fallback-badge').waitFor()
      const primary = c.locator('[data-role="primary"] [data-testid="status-indicator"]')
      expect(await primary.getAttribute('data-status'), `${agentId} primary`).not.toBe('healthy')
      // Status is written out, not only coloured.
      expect(await text(primary)).toMatch(/Error|Cooldown|Disabled/)
    }
    expect(await page.getByTestId('agent-card').count()).toBe(4)
    expect(await text(page.locator('[data-filter="fallback"] [data-testid="summary-value"]'))).toBe('4')
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live')

    await card(page, 'main').getByTestId('history-toggle').click()
    await card(page, 'main').getByTestId('switch-history').waitFor()
    await shot(page, 'desktop-light')

    // Filtering narrows the grid and lives in the address.
    await page.getByTestId('search').fill('ratelimit')
    await expect.poll(() => page.getByTestId('agent-card').count()).toBe(1)
    expect(page.url()).toContain('q=ratelimit')
    await page.getByTestId('search').fill('')
    await expect.poll(() => page.getByTestId('agent-card').count()).toBe(4)

    expect(errors).toEqual([])
    await context.close()
  })

  it('switches to the dark theme and remembers it', async () => {
    const { context, page } = await newPage()
    await page.goto(`${server.url}/#/?token=${server.token}`)
    await card(page, 'main').waitFor()
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(false)

    await page.getByTestId('theme').click()
    await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true)
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(background).not.toBe('rgb(255, 255, 255)')
    await shot(page, 'desktop-dark')

    await page.reload()
    await card(page, 'main').waitFor()
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true)
    await context.close()
  })

  it('speaks 简体中文 after the language switch, Element Plus included, and keeps it after a reload', async () => {
    const { context, page } = await newPage()
    await page.goto(`${server.url}/#/?token=${server.token}`)
    await card(page, 'main').waitFor()

    await page.getByTestId('language').click()
    await page.getByRole('menuitem', { name: '简体中文' }).click()
    await page.getByRole('menu').waitFor({ state: 'hidden' })
    await expect.poll(() => text(card(page, 'main'))).toContain('当前模型')
    expect(await text(card(page, 'main').getByTestId('fallback-badge'))).toBe('使用备用模型')
    expect(await text(page.getByTestId('summary'))).toContain('智能体')
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN')
    expect(await page.getByTestId('search').getAttribute('placeholder')).toContain('筛选')
    await shot(page, 'desktop-zh-CN')

    await page.reload()
    await card(page, 'main').waitFor()
    await expect.poll(() => text(card(page, 'main'))).toContain('当前模型')
    await context.close()
  })

  it('opens an agent’s detail page: every model, auth profiles, full history and a chart', async () => {
    const { context, page, errors } = await newPage()
    await page.goto(`${server.url}/#/?token=${server.token}`)
    await card(page, 'main').getByRole('link', { name: 'Details' }).click()

    const detail = page.getByTestId('agent-detail')
    await detail.waitFor()
    expect(page.url()).toContain('#/agents/main')
    expect(await text(detail.getByTestId('current-model'))).toBe(FALLBACK)
    const models = page.getByTestId('model-list').locator('[data-model]')
    await expect.poll(() => models.count()).toBeGreaterThanOrEqual(3)
    expect(await page.getByTestId('model-list').locator('[data-model="mock/mock-primary"]').textContent()).toContain('Primary')
    await page.getByTestId('auth-profiles').waitFor()
    // Secrets stay on the server: the fixture's dummy keys must never reach the page.
    expect(await page.content()).not.toContain('dummy-profile-key')
    await shot(page, 'detail-models')

    await page.getByRole('tab', { name: /Switch history/ }).click()
    expect(page.url()).toContain('tab=history')
    await page.locator('.echart canvas').first().waitFor()
    await page.getByTestId('switch-history').waitFor()
    await expect.poll(() => page.getByTestId('switch-history').locator('li').count()).toBeGreaterThan(1)
    await shot(page, 'detail-history')

    // Deep link straight to an agent, and a clear answer for one that does not exist.
    await page.goto(`${server.url}/#/agents/nobody`)
    await page.getByTestId('not-found').waitFor()
    expect(errors.filter((e) => !e.includes('404'))).toEqual([])
    await context.close()
  })

  it('fits a 375 px phone: cards stacked, header collapsed, nothing scrolls sideways', async () => {
    const { context, page } = await newPage({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    await page.goto(`${server.url}/#/?token=${server.token}`)
    await card(page, 'rl').waitFor()

    expect(await overflowing(page)).toEqual([])
    expect(await page.getByTestId('menu').isVisible()).toBe(true)
    expect(await page.getByTestId('language').isVisible()).toBe(false)
    const [a, b] = await Promise.all([card(page, 'main').boundingBox(), card(page, 'ops').boundingBox()])
    expect(a && b && Math.abs(a.x - b.x) < 1).toBe(true)
    await shot(page, 'phone-375')

    await page.goto(`${server.url}/#/agents/main`)
    await page.getByTestId('agent-detail').waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'phone-375-detail')
    await context.close()
  })

  it('sends a rejected token back to the login page, which explains where the token is', async () => {
    const { context, page } = await newPage()
    await page.goto(`${server.url}/#/?token=not-the-right-token`)
    const login = page.getByTestId('login')
    await login.waitFor()
    expect(await text(login)).toContain('<data-dir>/token')
    expect(await login.locator('[data-reason="invalid"]').count()).toBe(1)
    await shot(page, 'login')

    await login.locator('input').fill(server.token)
    await login.getByRole('button', { name: 'Connect' }).click()
    await card(page, 'main').waitFor()
    await context.close()
  })
})

describe('live updates on OpenClaw 2026.4.15 (legacy JSONL layout)', () => {
  let home: string
  let server: ServerProcess

  beforeAll(async () => {
    home = await copyFixture('openclaw-2026.4.15')
    server = await startServer({ openclawDirs: [home], openclawLogs: [await copyFixtureLog('openclaw-2026.4.15')] })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('shows a line appended to a transcript without a reload, and recovers when the server restarts', async () => {
    const { context, page } = await newPage()
    await page.goto(`${server.url}/#/?token=${server.token}`)
    const plain = card(page, 'plain')
    await plain.waitFor()
    expect(await text(plain.getByTestId('current-model'))).toBe(FALLBACK)
    expect(await plain.getByTestId('fallback-badge').count()).toBe(0)
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live')

    // A marker on window disappears on any reload: it proves the change came over the live stream.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }))
    await appendFile(path.join(home, PLAIN_TRANSCRIPT), turnLines({ provider: 'newprov', model: 'fresh-1', at: Date.now() }))

    await expect.poll(() => text(plain.getByTestId('current-model')), { timeout: 10_000 }).toBe('newprov/fresh-1')
    await plain.getByTestId('fallback-badge').waitFor()
    expect(await text(plain.getByTestId('fallback-badge'))).toBe('Outside chain')
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    await shot(page, 'live-update')

    // Server gone: the header says so; back on the same port: live again, without a reload.
    const port = new URL(server.url).port
    await server.close()
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).not.toBe('live')
    server = await startServer({ openclawDirs: [home], dataDir: server.dataDir, token: server.token, args: ['--port', port] })
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 40_000 }).toBe('live')
    expect(await text(plain.getByTestId('current-model'))).toBe('newprov/fresh-1')
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    await context.close()
  })
})

describe('a snapshot that arrives after a newer push', () => {
  let home: string
  let server: ServerProcess

  beforeAll(async () => {
    home = await copyFixture('openclaw-2026.4.15')
    server = await startServer({ openclawDirs: [home] })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('does not undo the push: the list fetched on subscribing is held until a change has been pushed', async () => {
    const { context, page } = await newPage()
    // The page fetches the list, then subscribes, then fetches it again (it may have missed
    // changes in between). That second list is made by the server at once but delivered late.
    let lists = 0
    let held!: () => void
    const heldNow = new Promise<void>((resolve) => (held = resolve))
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let delivered!: () => void
    const deliveredNow = new Promise<void>((resolve) => (delivered = resolve))
    await page.route(/\/api\/agents\/model-statuses/, async (route) => {
      lists += 1
      if (lists !== 2) return route.continue()
      const stale = await route.fetch()
      held()
      await released
      await route.fulfill({ response: stale })
      delivered()
    })
    await page.goto(`${server.url}/#/?token=${server.token}`)
    const plain = card(page, 'plain')
    await plain.waitFor()
    await heldNow
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live')
    expect(await text(plain.getByTestId('current-model'))).toBe(FALLBACK)

    await appendFile(path.join(home, PLAIN_TRANSCRIPT), turnLines({ provider: 'newprov', model: 'fresh-1', at: Date.now() }))
    await expect.poll(() => text(plain.getByTestId('current-model')), { timeout: 10_000 }).toBe('newprov/fresh-1')

    release()
    await deliveredNow
    // Give the page the time to apply the late list (a turn of its event loop is enough; a second is plenty).
    await page.waitForTimeout(1000)
    expect(lists).toBe(2)
    expect(await text(plain.getByTestId('current-model'))).toBe('newprov/fresh-1')
    expect(await text(plain.getByTestId('fallback-badge'))).toBe('Outside chain')
    await context.close()
  })
})

describe('no agents yet', () => {
  let server: ServerProcess
  let empty: string

  beforeAll(async () => {
    empty = await tempDir('swb-empty-openclaw-')
    server = await startServer({ openclawDirs: [empty] })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('says where it looked and how to point Switchboard elsewhere', async () => {
    const { context, page } = await newPage()
    await page.goto(`${server.url}/#/?token=${server.token}`)
    const state = page.getByTestId('empty-state')
    await state.waitFor()
    await expect.poll(() => text(state)).toContain(empty)
    expect(await text(state)).toContain('--openclaw-dir')
    expect(await text(state)).toContain('OPENCLAW_STATE_DIR')
    await shot(page, 'empty')
    await context.close()
  })
})
