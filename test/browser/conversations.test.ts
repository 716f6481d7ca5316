/**
 * Conversations (seed 001) in real Chromium against the real server: the fixture's four OpenClaw
 * sessions listed and filtered; main's six turns as a timeline of fallback chains; a task list an
 * agent posts appearing live; the polling fallback while the WebSocket is blocked (seed 001's
 * RECONNECTING, status-aware intervals) and the way back to CONNECTED; dark, 简体中文 and a phone.
 * Screenshots land in test-results/screenshots/.
 */
import { type Browser, type BrowserContextOptions, type Locator, type Page, type WebSocketRoute } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreateHostAgentResponse } from '../../src/shared/agent-hosts.js'
import type { ConversationDetail, ConversationsPage, TaskListInput } from '../../src/shared/conversations.js'
import { launchBrowser, newPage as openPage, overflowing, shot, text } from '../helpers/browser.js'
import { copyFixture, removeTempDirs, startServer, type ServerProcess } from '../helpers/test-server.js'

let browser: Browser
let server: ServerProcess
/** Host credentials of agent `main`, which may post task lists to main's conversations. */
let credential: { app_key: string; app_secret: string }
/** Main's OpenClaw session. */
let mainId: string

beforeAll(async () => {
  browser = await launchBrowser()
  // OpenClaw agents main, ops, research and rl; one session each.
  server = await startServer({ openclawDirs: [await copyFixture('openclaw-2026.9.6')] })
  const host = await call<CreateHostAgentResponse>('POST', '/api/v1/agents', { agent_id: 'main', pool_id: 'default' })
  expect(host.status).toBe(201)
  credential = host.body.credential
  const list = await call<ConversationsPage>('GET', '/api/conversations?agent=main')
  mainId = list.body.conversations[0]!.conversation_id
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
  return { status: r.status, body: (await r.json()) as T }
}

/**
 * Posts a task list as agent `main` would, with its host credentials. `newConversation`: the id is
 * one the server does not know yet, and the post starts it.
 */
async function postTasks(conversationId: string, input: TaskListInput, newConversation = false): Promise<void> {
  const r = await fetch(`${server.url}/api/conversations/${encodeURIComponent(conversationId)}/tasks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-app-key': credential.app_key,
      'x-app-secret': credential.app_secret,
      ...(newConversation ? { 'x-agent-id': 'main' } : {}),
    },
    body: JSON.stringify(input),
  })
  expect(r.status, await r.clone().text()).toBeLessThan(300)
}

const newPage = (options: BrowserContextOptions = {}) => openPage(browser, options)

/** Signs in from the printed link, straight onto `route`. */
async function open(page: Page, route: string): Promise<void> {
  await page.goto(`${server.url}/#${route}?token=${server.token}`)
}

const rows = (page: Page): Locator => page.getByTestId('conversation-list').getByTestId('conversation-row')
/** The row of an agent's OpenClaw session (the fixture has one per agent). */
const row = (page: Page, agent: string): Locator =>
  page.locator(`[data-testid="conversation-row"][data-agent="${agent}"]`).filter({ has: page.getByText('OpenClaw', { exact: true }) })
const agentsListed = async (page: Page): Promise<string[]> =>
  (await rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-agent') ?? ''))).sort()

/** Picks an option of an Element Plus select. */
async function choose(page: Page, select: Locator, option: string): Promise<void> {
  await select.click()
  await page.locator('.el-select-dropdown__item', { hasText: option }).locator('visible=true').first().click()
}

const liveState = (page: Page): Promise<string | null> => page.getByTestId('live-state').getAttribute('data-state')

describe('conversations', () => {
  it("lists the fixture's four conversations and filters them", async () => {
    const { context, page, errors } = await newPage()
    await open(page, '/')
    await page.getByTestId('nav-conversations').click()
    await expect.poll(() => rows(page).count()).toBe(4)
    expect(page.url()).toContain('#/conversations')
    expect(await page.getByTestId('nav-conversations').getAttribute('aria-current')).toBe('page')
    expect(await agentsListed(page)).toEqual(['main', 'ops', 'research', 'rl'])
    expect(await text(page.getByTestId('conversation-count'))).toBe('4 conversations')

    // All stopped and idle at the end of the capture: the badge says Stopped and nothing more.
    for (const status of await rows(page).getByTestId('conversation-status').all()) {
      expect(await status.getAttribute('data-status')).toBe('STOPPED')
      expect(await text(status)).toBe('Stopped')
    }
    expect(await rows(page).getByTestId('conversation-runtime').count()).toBe(0)

    const main = row(page, 'main')
    expect(await text(main.getByTestId('conversation-title'))).toBe('hello')
    expect(await text(main.getByTestId('conversation-agent'))).toBe('Main')
    expect(await main.getByTestId('conversation-agent').locator('a').getAttribute('href')).toBe('#/agents/main')
    expect(await text(main.getByTestId('conversation-source'))).toBe('OpenClaw')
    expect(await text(main.getByTestId('conversation-model'))).toBe('backup/mock-fallback')
    expect(await text(main.getByTestId('conversation-messages'))).toContain('14')
    expect(await text(main.getByTestId('conversation-tokens'))).toContain('5.2K')
    expect(await text(main.getByTestId('conversation-cost'))).toContain('$0.00538')
    expect(await text(main.getByTestId('conversation-activity'))).toMatch(/ago|just now/)
    await shot(page, 'conversations-light')

    // Agent.
    await choose(page, page.getByTestId('conversation-filter-agent'), 'Ops')
    await expect.poll(() => agentsListed(page)).toEqual(['ops'])
    expect(page.url()).toContain('agent=ops')
    await page.getByTestId('conversation-filters-clear').click()
    await expect.poll(() => rows(page).count()).toBe(4)

    // Status, several at once: nothing runs, so Running alone finds nothing; with Stopped, all four.
    await choose(page, page.getByTestId('conversation-filter-status'), 'Running')
    await page.getByTestId('conversations-no-match').waitFor()
    expect(page.url()).toContain('status=RUNNING')
    await page.keyboard.press('Escape')
    await page.locator('.el-select-dropdown').locator('visible=true').waitFor({ state: 'detached' }).catch(() => undefined)
    await shot(page, 'conversations-no-match-light')
    await choose(page, page.getByTestId('conversation-filter-status'), 'Stopped')
    await page.keyboard.press('Escape')
    await expect.poll(() => rows(page).count()).toBe(4)
    expect(decodeURIComponent(page.url())).toContain('status=RUNNING,STOPPED')

    // The search runs on the server: title, agent, id and model.
    await page.getByTestId('conversation-filters-clear').click()
    await page.getByTestId('conversation-search').fill('research')
    await expect.poll(() => agentsListed(page)).toEqual(['research'])
    expect(page.url()).toContain('q=research')
    await page.getByTestId('conversation-search').fill(mainId.slice(0, 8))
    await expect.poll(() => agentsListed(page)).toEqual(['main'])
    await page.getByTestId('conversation-search').fill('mock-fallback')
    await expect.poll(() => rows(page).count()).toBe(4)
    await page.getByTestId('conversation-search').fill('nothing like this')
    await page.getByTestId('conversations-no-match').waitFor()

    // Updated since: the list is what the server answers for that moment.
    await page.getByTestId('conversation-filters-clear').click()
    await expect.poll(() => rows(page).count()).toBe(4)
    await choose(page, page.getByTestId('conversation-filter-since'), 'Last 15 minutes')
    expect(page.url()).toContain('since=15m')
    const recent = await call<ConversationsPage>('GET', `/api/conversations?updated_since=${new Date(Date.now() - 15 * 60_000).toISOString()}`)
    const expected = recent.body.conversations.map((c) => c.agent_id).sort()
    if (expected.length) await expect.poll(() => agentsListed(page)).toEqual(expected)
    else await page.getByTestId('conversations-no-match').waitFor()

    // Filters live in the URL: a reload keeps them.
    await page.getByTestId('conversation-filters-clear').click()
    await choose(page, page.getByTestId('conversation-filter-agent'), 'RateLimit')
    await expect.poll(() => agentsListed(page)).toEqual(['rl'])
    await page.reload()
    await expect.poll(() => agentsListed(page)).toEqual(['rl'])

    expect(errors).toEqual([])
    await context.close()
  })

  it('loads more, a page at a time', async () => {
    const { context, page, errors } = await newPage()
    // Pages of 2 instead of 50, so the fixture's four make two pages. The app also fetches the
    // pages shown again as one (after a push), asking for at least a page: 2 while one page is
    // shown, all of them once the second is.
    let secondPageLoaded = false
    await page.route(/\/api\/conversations\?/, (route) => {
      const url = new URL(route.request().url())
      if (url.searchParams.get('limit') === '50') {
        if (url.searchParams.has('cursor')) secondPageLoaded = true
        if (url.searchParams.has('cursor') || !secondPageLoaded) url.searchParams.set('limit', '2')
      }
      return route.continue({ url: url.toString() })
    })
    await open(page, '/conversations')
    await expect.poll(() => rows(page).count()).toBe(2)
    expect(await text(page.getByTestId('conversation-count'))).toBe('The 2 most recently updated conversations; more below')
    await page.getByTestId('conversations-more').click()
    await expect.poll(() => rows(page).count()).toBe(4)
    expect(await agentsListed(page)).toEqual(['main', 'ops', 'research', 'rl'])
    expect(await page.getByTestId('conversations-more').count()).toBe(0)
    await expect.poll(() => text(page.getByTestId('conversation-count'))).toBe('4 conversations')
    expect(errors).toEqual([])
    await context.close()
  })

  it("shows main's turns: two failed on every model, then answered by the fallback", async () => {
    const { context, page, errors } = await newPage()
    await open(page, '/conversations')
    await row(page, 'main').getByTestId('conversation-title').click()
    const detail = page.getByTestId('conversation-detail')
    await detail.waitFor()
    expect(page.url()).toContain(`#/conversations/${mainId}`)
    await expect.poll(() => liveState(page)).toBe('CONNECTED')

    expect(await detail.getAttribute('data-status')).toBe('STOPPED')
    expect(await text(page.getByTestId('conversation-heading'))).toBe('hello')
    expect(await text(page.getByTestId('conversation-reason'))).toBe('The last run answered; waiting for the next message.')
    expect(await page.getByTestId('conversation-inferred').count()).toBe(0)
    expect(await text(page.getByTestId('conversation-agent').locator('a'))).toBe('Main')
    expect(await text(page.getByTestId('conversation-agent'))).toContain('main')
    expect(await text(page.getByTestId('conversation-model'))).toBe('backup/mock-fallback')
    expect(await text(page.getByTestId('conversation-messages'))).toBe('14 6 runs')
    expect(await text(page.getByTestId('conversation-tokens'))).toContain('5,160')
    expect(await text(page.getByTestId('conversation-cost'))).toBe('$0.00538')
    expect(await text(page.getByTestId('conversation-created'))).toContain('10:41:03')
    expect(await text(page.getByTestId('conversation-lastActivity'))).toContain('10:49:46')

    const turns = page.getByTestId('conversation-run')
    expect(await turns.count()).toBe(6)
    expect(await turns.evaluateAll((els) => els.map((el) => el.getAttribute('data-outcome')))).toEqual([
      'failed',
      'failed',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ])
    const chainOf = (i: number) =>
      turns
        .nth(i)
        .getByTestId('chain-link')
        .evaluateAll((els) => els.map((el) => `${el.querySelector('[data-testid="model-id"]')?.textContent ?? ''}:${el.getAttribute('data-outcome')}`))

    // Turn 1: the primary, then five timeouts; nothing answered, nothing spent.
    expect(await chainOf(0)).toEqual(['mock/mock-primary:failed', 'mock/mock-timeout:failed'])
    // Each failed model says why it failed: the primary was rate-limited, the next one timed out.
    const errorsOf = async (i: number) => (await turns.nth(i).getByTestId('chain-error').allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim())
    expect(await errorsOf(0)).toEqual(['Rate limit 429', 'Timeout'])
    expect(await text(turns.nth(0).getByTestId('run-failed-attempts'))).toContain('6 failed attempts')
    expect(await text(turns.nth(0).getByTestId('run-duration'))).toBe('57s')
    // A run of another day shows its date too: the fixture was written on 2026-11-22.
    const startedToday = await page.evaluate((t) => new Date().toDateString() === new Date(t).toDateString(), Date.UTC(2026, 10, 22, 10, 41, 9))
    expect(await text(turns.nth(0).getByTestId('run-started'))).toBe(startedToday ? '10:41:09 → 10:42:06' : 'Nov 22, 10:41:09 → 10:42:06')
    expect(await text(turns.nth(0).getByTestId('run-tokens'))).toBe('0 tokens')
    // Turn 2: the primary, then a rejected key.
    expect(await chainOf(1)).toEqual(['mock/mock-primary:failed', 'mock/mock-auth:failed'])
    expect(await errorsOf(1)).toEqual(['Rate limit 429', 'Auth 401'])
    // Turns 3–5: primary and auth failed, the fallback answered; each answer 1,290 tokens at $0.00135.
    for (const i of [2, 3, 4]) {
      expect(await chainOf(i)).toEqual(['mock/mock-primary:failed', 'mockauth/mock-auth:failed', 'backup/mock-fallback:answered'])
      expect(await errorsOf(i)).toEqual(['Rate limit 429', 'Auth 401'])
      expect(await text(turns.nth(i).getByTestId('run-outcome'))).toBe('Answered')
      expect(await text(turns.nth(i).getByTestId('run-tokens'))).toBe('1,290 tokens')
      expect(await text(turns.nth(i).getByTestId('run-cost'))).toBe('$0.00135')
    }
    // Turn 6: straight to the fallback.
    expect(await chainOf(5)).toEqual(['backup/mock-fallback:answered'])
    expect(await turns.nth(5).getByTestId('run-failed-attempts').count()).toBe(0)

    expect(await page.getByTestId('conversation-no-tasks').isVisible()).toBe(true)
    await shot(page, 'conversation-main-light')

    // The agent's name leads to its page.
    await page.getByTestId('conversation-agent').locator('a').click()
    await page.getByTestId('agent-detail').waitFor()
    expect(page.url()).toContain('#/agents/main')

    expect(errors).toEqual([])
    await context.close()
  })

  it('shows a task list as the agent posts it, without a reload', async () => {
    const { context, page, errors } = await newPage()
    await open(page, `/conversations/${mainId}`)
    await page.getByTestId('conversation-detail').waitFor()
    await expect.poll(() => liveState(page)).toBe('CONNECTED')
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }))

    await postTasks(mainId, {
      task_list: [
        { title: 'Read the gateway log', status: 'done', notes: 'Three 429s on mock-primary' },
        { title: 'Switch to the fallback', status: 'in_progress' },
        { title: 'Report to the operator', status: 'todo' },
      ],
      result: 'Plan ready: moving main to its fallback',
    })
    const tasks = page.getByTestId('conversation-tasks')
    // The panel may show before its rows: wait for the rows themselves.
    await expect.poll(() => tasks.getByTestId('task-title').allTextContents()).toEqual(['Read the gateway log', 'Switch to the fallback', 'Report to the operator'])
    expect(await tasks.getByTestId('task').evaluateAll((els) => els.map((el) => el.getAttribute('data-status')))).toEqual([
      'done',
      'in_progress',
      'todo',
    ])
    expect(await text(tasks.getByTestId('task-notes'))).toBe('Three 429s on mock-primary')
    expect(await text(tasks.getByTestId('task-counts'))).toBe('1 of 3 done')
    expect(await text(tasks.getByTestId('task-source'))).toBe('Posted by the agent')
    expect(await text(tasks.getByTestId('task-result'))).toBe('Plan ready: moving main to its fallback')
    await shot(page, 'conversation-tasks-light')

    // The next list replaces it, live too.
    await postTasks(mainId, {
      task_list: [
        { title: 'Read the gateway log', status: 'done' },
        { title: 'Switch to the fallback', status: 'done' },
        { title: 'Report to the operator', status: 'done', notes: 'Sent' },
      ],
    })
    await expect.poll(() => text(tasks.getByTestId('task-counts')), { timeout: 5000 }).toBe('3 of 3 done')

    // A conversation the agent starts by posting shows up on the list as it happens.
    await page.getByRole('link', { name: 'All conversations' }).click()
    await expect.poll(() => rows(page).count()).toBe(4)
    // Nothing begun yet: the conversation is starting.
    await postTasks('main-report-1', { task_list: [{ title: 'Write the weekly report', status: 'todo' }] }, true)
    const started = page.locator('[data-testid="conversation-row"][data-conversation="main-report-1"]')
    await started.waitFor({ timeout: 5000 })
    expect(await rows(page).count()).toBe(5)
    expect(await text(started.getByTestId('conversation-title'))).toBe('Write the weekly report')
    expect(await text(started.getByTestId('conversation-source'))).toBe('Agent API')
    expect(await started.getByTestId('conversation-status').getAttribute('data-status')).toBe('STARTING')
    await shot(page, 'conversations-live-light')

    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    expect(errors).toEqual([])
    await context.close()
  })

  it('polls at the status-aware interval while the WebSocket is blocked, then goes live again', async () => {
    await postTasks('main-polled-1', { task_list: [{ title: 'Collect metrics', status: 'todo' }] }, true)
    const detail = await call<ConversationDetail>('GET', '/api/conversations/main-polled-1')
    expect(detail.body.status).toBe('STARTING')

    const { context, page, errors } = await newPage()
    // Every WebSocket passes through to the server until `blocked`; then each is refused at once.
    let blocked = false
    const sockets: WebSocketRoute[] = []
    await page.routeWebSocket(/\/ws$/, (ws) => {
      if (blocked) {
        void ws.close({ code: 1011, reason: 'blocked by the test' })
        return
      }
      ws.connectToServer()
      sockets.push(ws)
    })

    await open(page, '/conversations/main-polled-1')
    await page.getByTestId('conversation-detail').waitFor()
    await expect.poll(() => liveState(page)).toBe('CONNECTED')
    expect(await page.getByTestId('live-state').getAttribute('data-polling')).toBeNull()
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }))

    // The network drops the live stream.
    blocked = true
    for (const ws of sockets.splice(0)) await ws.close({ code: 1011, reason: 'cut by the test' })
    await expect.poll(() => liveState(page), { timeout: 5000 }).toBe('RECONNECTING')
    // A starting conversation is polled every 3 s (seed 001).
    await expect.poll(() => page.getByTestId('live-state').getAttribute('data-polling')).toBe('3000')
    expect(await text(page.getByTestId('live-state'))).toBe('Reconnecting · polling every 3 s')

    await postTasks('main-polled-1', {
      task_list: [
        { title: 'Collect metrics', status: 'done' },
        { title: 'Plot them', status: 'in_progress' },
      ],
    })
    const tasks = page.getByTestId('conversation-tasks')
    await expect.poll(() => tasks.getByTestId('task-title').allTextContents(), { timeout: 10_000 }).toEqual(['Collect metrics', 'Plot them'])
    expect(await text(tasks.getByTestId('task-counts'))).toBe('1 of 2 done')
    expect(['RECONNECTING', 'DISCONNECTED', 'CONNECTING']).toContain(await liveState(page))
    // A task in progress: the conversation runs now, and a running one is polled every 30 s.
    expect(await page.getByTestId('conversation-detail').getAttribute('data-status')).toBe('RUNNING')
    expect(await page.getByTestId('live-state').getAttribute('data-polling')).toBe('30000')

    await page.getByTestId('live-state').hover()
    const help = page.getByTestId('live-state-help')
    await help.waitFor()
    expect(await text(help)).toContain('Meanwhile this page is polled every 30 s (the conversation is Running).')
    expect(await text(help)).toMatch(/Last poll (just now|\d+s ago)\./)
    await shot(page, 'conversation-polling-light')

    // A stopped conversation waits a minute between polls; the list, as often as its most urgent row.
    await page.mouse.move(0, 0)
    await page.getByRole('link', { name: 'All conversations' }).click()
    await page.getByTestId('conversation-list').waitFor()
    await expect.poll(() => page.getByTestId('live-state').getAttribute('data-polling')).toBe('3000')
    await row(page, 'ops').getByTestId('conversation-title').click()
    await page.getByTestId('conversation-detail').waitFor()
    await expect.poll(() => page.getByTestId('live-state').getAttribute('data-polling')).toBe('60000')
    expect(await text(page.getByTestId('live-state'))).toContain('polling every 60 s')

    // The network is back: retry from the badge, and pushes take over again. The page keeps trying
    // by itself (backoff with jitter): the network comes back while its next try is seconds away,
    // so that the click is what reconnects (else the button may go while it is being clicked).
    await page.getByTestId('live-state').hover()
    const nextTryIn = async (): Promise<number> => Number(/attempt in (\d+) s/.exec(await text(page.getByTestId('live-state-help')))?.[1] ?? 0)
    await expect.poll(nextTryIn, { timeout: 40_000 }).toBeGreaterThanOrEqual(4)
    blocked = false
    await page.getByTestId('live-state-retry').click()
    await expect.poll(() => liveState(page), { timeout: 10_000 }).toBe('CONNECTED')
    expect(await page.getByTestId('live-state').getAttribute('data-polling')).toBeNull()
    await page.mouse.move(0, 0)

    await page.goBack()
    await page.getByTestId('conversation-list').waitFor()
    await page.locator('[data-testid="conversation-row"][data-conversation="main-polled-1"]').getByTestId('conversation-title').click()
    await page.getByTestId('conversation-tasks').waitFor()
    await postTasks('main-polled-1', {
      task_list: [
        { title: 'Collect metrics', status: 'done' },
        { title: 'Plot them', status: 'done' },
        { title: 'Share the plot', status: 'todo' },
      ],
    })
    await expect.poll(() => text(page.getByTestId('task-counts')), { timeout: 5000 }).toBe('2 of 3 done')
    expect(await liveState(page)).toBe('CONNECTED')
    await shot(page, 'conversation-live-again-light')

    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    expect(errors.filter((e) => !e.includes('WebSocket'))).toEqual([])
    await context.close()
  })

  it('reads in 简体中文 on the dark theme', async () => {
    const { context, page, errors } = await newPage({ locale: 'zh-CN', colorScheme: 'dark' })
    await open(page, '/conversations')
    await page.getByTestId('conversation-list').waitFor()
    expect(await text(page.getByRole('heading', { level: 1 }))).toBe('会话')
    expect(await text(row(page, 'ops').getByTestId('conversation-status'))).toBe('已停止')
    await expect.poll(() => text(page.getByTestId('live-state'))).toBe('已连接')
    await shot(page, 'conversations-zh-CN-dark')

    await open(page, `/conversations/${mainId}`)
    await page.getByTestId('conversation-detail').waitFor()
    expect(await text(page.getByTestId('conversation-reason'))).toBe('上一轮已得到回答，正在等待下一条消息。')
    expect(await text(page.getByTestId('conversation-run').first().getByTestId('run-outcome'))).toBe('失败')
    expect(await text(page.getByTestId('conversation-run').nth(2).getByTestId('run-tokens'))).toBe('1,290 Token')
    await shot(page, 'conversation-main-zh-CN-dark')
    expect(errors).toEqual([])
    await context.close()
  })

  it('fits a 375 px phone: cards, nothing scrolls sideways', async () => {
    const { context, page } = await newPage({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    await open(page, '/conversations')
    await page.getByTestId('conversation-list').waitFor()
    await page.getByTestId('nav-conversations').waitFor()
    expect(await overflowing(page)).toEqual([])
    // Cards: each figure says what it is, since there is no header row.
    expect(await text(row(page, 'main').getByTestId('conversation-messages'))).toBe('Messages 14')
    await shot(page, 'conversations-phone-375')

    await open(page, `/conversations/${mainId}`)
    await page.getByTestId('conversation-detail').waitFor()
    await page.getByTestId('conversation-tasks').waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'conversation-phone-375')
    await context.close()
  })
})
