/**
 * A fleet larger than a screen, in real Chromium against the real server: 130 OpenClaw agents and
 * 60 hosts in one pool. The dashboard renders its cards a step at a time while search and filters
 * cover every agent; tooltips are built when first wanted and open on hover and on keyboard focus;
 * a pool's strip has one tooltip for all its cells.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type Browser, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreateHostAgentResponse, IssuedCredential } from '../../src/shared/agent-hosts.js'
import { launchBrowser, newPage, shot, text } from '../helpers/browser.js'
import { removeTempDirs, startServer, tempDir, type ServerProcess } from '../helpers/test-server.js'

const AGENTS = 130
/** Cards the dashboard renders at first, and adds per step. */
const STEP = 48
const HOSTS = 60

const agentId = (i: number): string => `agent-${String(i).padStart(3, '0')}`

let browser: Browser
let server: ServerProcess

beforeAll(async () => {
  browser = await launchBrowser()
  const home = await tempDir('swb-openclaw-')
  await mkdir(path.join(home, 'agents'), { recursive: true })
  const list = Array.from({ length: AGENTS }, (_, i) => ({
    id: agentId(i + 1),
    name: `Fleet agent ${String(i + 1).padStart(3, '0')}`,
    model: { primary: 'openai/gpt-5.1', fallbacks: ['anthropic/claude-sonnet-4-5'] },
  }))
  await writeFile(path.join(home, 'openclaw.json'), JSON.stringify({ agents: { list } }, null, 2))
  server = await startServer({ openclawDirs: [home] })
})

afterAll(async () => {
  await server?.close()
  await browser?.close()
  await removeTempDirs()
})

async function call<T>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const r = await fetch(`${server.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: r.status, body: (await r.json()) as T }
}

async function open(page: Page, route: string): Promise<void> {
  await page.goto(`${server.url}/#${route}${route.includes('?') ? '&' : '?'}token=${server.token}`)
}

const cards = (page: Page): Locator => page.getByTestId('agent-card')
const card = (page: Page, id: string): Locator => page.locator(`[data-testid="agent-card"][data-agent="${id}"]`)
/** The tooltip on screen, if any (Element Plus teleports it to the body). */
const visibleTip = (page: Page): Locator => page.locator('.el-popper[role="tooltip"]:visible')

describe(`a dashboard of ${AGENTS} agents`, () => {
  it('renders the first cards at once and the rest as the grid is scrolled, while search covers every agent', async () => {
    const { context, page, errors } = await newPage(browser)
    await open(page, '/')
    await card(page, agentId(1)).waitFor()

    expect(await cards(page).count()).toBe(STEP)
    expect(await text(page.locator('[data-filter="all"] [data-testid="summary-value"]'))).toBe(String(AGENTS))
    expect(await text(page.getByTestId('show-more'))).toBe(`Show ${AGENTS - STEP} more`)
    expect(await card(page, agentId(AGENTS)).count()).toBe(0)
    await shot(page, 'large-fleet-dashboard')

    // Scrolling towards the end brings in the next steps until every card is there.
    await expect
      .poll(async () => {
        await page.mouse.wheel(0, 5000)
        return cards(page).count()
      })
      .toBe(AGENTS)
    expect(await page.getByTestId('show-more').count()).toBe(0)
    await card(page, agentId(AGENTS)).waitFor()

    // A search looks at every agent, not only those rendered, and starts again from the first step.
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.getByTestId('search').fill('Fleet agent 12')
    await expect.poll(() => cards(page).count()).toBe(10)
    expect(await page.getByTestId('show-more').count()).toBe(0)
    await page.getByTestId('search').fill('')
    await expect.poll(() => cards(page).count()).toBe(STEP)

    // The button does the same from the keyboard.
    await page.getByTestId('show-more').focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => cards(page).count()).toBeGreaterThanOrEqual(2 * STEP)

    expect(errors).toEqual([])
    await context.close()
  })

  it('builds a status tooltip when it is first hovered or focused, not before', async () => {
    const { context, page, errors } = await newPage(browser)
    await open(page, '/')
    const first = card(page, agentId(1))
    await first.waitFor()
    const help = 'Its last call succeeded.'
    // No tooltip of a card exists until one is wanted.
    expect(await page.locator('.el-popper', { hasText: help }).count()).toBe(0)

    await first.locator('[data-role="primary"] [data-testid="status-indicator"]').hover()
    await expect.poll(() => text(visibleTip(page))).toContain('openai/gpt-5.1')
    expect(await text(visibleTip(page))).toContain('Healthy')
    await page.mouse.move(0, 0)
    await expect.poll(() => visibleTip(page).count()).toBe(0)

    // Keyboard focus opens another card's tooltip.
    const second = card(page, agentId(2)).locator('[data-role="primary"] [data-testid="status-indicator"]')
    await second.focus()
    await expect.poll(() => text(visibleTip(page))).toContain('Healthy')
    expect(await second.getAttribute('aria-describedby')).toBeTruthy()

    expect(errors).toEqual([])
    await context.close()
  })
})

describe(`a pool of ${HOSTS} hosts`, () => {
  beforeAll(async () => {
    for (let i = 0; i < HOSTS; i++) {
      const id = `host-${String(i).padStart(2, '0')}`
      const created = await call<CreateHostAgentResponse>('POST', '/api/v1/agents', { agent_id: id, pool_id: 'big' })
      expect(created.status).toBe(201)
      const c: IssuedCredential = created.body.credential
      // Every tenth host above 90 % CPU, the rest low.
      const cpu = i % 10 === 0 ? 95 : 20
      const r = await call('POST', `/api/v1/agents/${id}/ping`, { status: 'idle', cpu_usage: cpu, memory_usage: 30, running_tasks: [], interval_sec: 600 }, {
        'x-app-key': c.app_key,
        'x-app-secret': c.app_secret,
      })
      expect(r.status).toBe(200)
    }
  })

  it('has one tooltip for the strip, following the pointer and the keyboard from cell to cell', async () => {
    const { context, page, errors } = await newPage(browser)
    await open(page, '/pools')
    const pool = page.locator('[data-testid="pool-card"][data-pool="big"]')
    await pool.waitFor()
    const cells = pool.getByTestId('pool-cell')
    expect(await cells.count()).toBe(48)
    expect(await text(pool.locator('.more'))).toBe(`+${HOSTS - 48}`)
    expect(await cells.nth(0).getAttribute('data-level')).toBe('critical')
    expect(await cells.nth(1).getAttribute('data-level')).toBe('ok')

    await cells.nth(0).hover()
    await expect.poll(() => text(page.getByTestId('pool-cell-tip'))).toBe('host-00 · CPU 95% · memory 30%')
    await cells.nth(1).hover()
    await expect.poll(() => text(page.getByTestId('pool-cell-tip'))).toBe('host-01 · CPU 20% · memory 30%')
    expect(await visibleTip(page).count()).toBe(1)
    await page.mouse.move(0, 0)
    await expect.poll(() => visibleTip(page).count()).toBe(0)

    await cells.nth(10).focus()
    await expect.poll(() => text(page.getByTestId('pool-cell-tip'))).toBe('host-10 · CPU 95% · memory 30%')
    expect(await cells.nth(10).getAttribute('aria-label')).toBe('host-10: CPU 95% · memory 30%')

    // A cell is a link to its pool.
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="host-row"][data-agent="host-59"]').waitFor()
    expect(page.url()).toContain('#/pools/big')
    expect(await page.getByTestId('host-row').count()).toBe(HOSTS)

    expect(errors).toEqual([])
    await context.close()
  })
})
