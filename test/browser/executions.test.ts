/**
 * Executions (seed 002) in real Chromium against the real server: an agent test started from its
 * page goes on while the person goes elsewhere; the dashboard's Execution History shows it glowing,
 * the corner monitor counts it, its page shows the output growing live until it succeeds; a second
 * one is cancelled. Both themes, 简体中文 and a phone. Screenshots land in test-results/screenshots/.
 */
import path from 'node:path'
import { type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Execution, ExecutionsPage, RunnerConfig, RunnerLimits } from '../../src/shared/executions.js'
import { launchBrowser, newPage as openPage, overflowing, shot, SHOTS, text } from '../helpers/browser.js'
import { copyFixture, removeTempDirs, startServer, type ServerProcess } from '../helpers/test-server.js'

/**
 * An agent that reads its input, prints a line every 300 ms, `lines` times, then the input in
 * capitals. One line of JavaScript, so it is one argument.
 */
const slowAgent = (lines: number): string =>
  [
    "let input = ''",
    "process.stdin.on('data', (d) => (input += d))",
    "process.stdin.on('end', () => { let i = 0; const timer = setInterval(() => { i += 1; console.log('line ' + i);" +
      ` if (i === ${lines}) { clearInterval(timer); console.log(input.toUpperCase()) } }, 300) })`,
  ].join('; ')

/** Main's runner: about 6 s of output, long enough to be followed across pages on a slow machine. */
const SLOW_AGENT = slowAgent(20)

/** For pictures of a running test: a minute of output, cancelled once the pictures are taken. */
const LONG_RUNNER: RunnerConfig = { kind: 'command', command: process.execPath, args: ['-e', slowAgent(200)], input_mode: 'stdin' }

let browser: Browser
let server: ServerProcess

beforeAll(async () => {
  browser = await launchBrowser()
  // OpenClaw agents main, ops, research and rl.
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
  return { status: r.status, body: (await r.json()) as T }
}

/** Starts a test of `main` over the API, as another tab or the CLI would. */
async function startTest(input: string, runner?: RunnerConfig): Promise<Execution> {
  const r = await call<Execution>('POST', '/api/agents/main/test', { test_input: input, runner })
  expect(r.status).toBe(200)
  return r.body
}

async function cancel(id: number): Promise<void> {
  expect((await call<Execution>('POST', `/api/executions/${id}/cancel`)).status).toBe(200)
}

/** Waits until nothing runs any more, so each test begins with an empty monitor. */
async function settle(): Promise<void> {
  await expect
    .poll(async () => (await call<ExecutionsPage>('GET', '/api/executions?limit=50')).body.executions.filter((e) => !['succeeded', 'failed', 'cancelled', 'interrupted'].includes(e.status)).length, {
      timeout: 20_000,
    })
    .toBe(0)
}

const newPage = (options: BrowserContextOptions = {}) => openPage(browser, options)

/** Signs in from the printed link, straight onto `route`. */
async function open(page: Page, route: string): Promise<void> {
  await page.goto(`${server.url}/#${route}?token=${server.token}`)
}

const historyRow = (page: Page, id: number): Locator =>
  page.locator(`[data-testid="execution-history"] [data-testid="execution-row"][data-execution="${id}"]`)

describe('executions', () => {
  beforeAll(async () => {
    const runner: RunnerConfig & RunnerLimits = {
      kind: 'command',
      command: process.execPath,
      args: ['-e', SLOW_AGENT],
      input_mode: 'stdin',
      timeout_ms: 30_000,
    }
    const r = await call<RunnerConfig>('PUT', '/api/agents/main/runner', runner)
    expect(r.status).toBe(200)
    expect(r.body.kind).toBe('command')
  })

  it('starts a test from the agent page, follows it elsewhere while it runs, and shows it succeed', async () => {
    const { context, page, errors } = await newPage()
    await open(page, '/agents/main')
    await page.getByTestId('agent-detail').waitFor()
    await page.getByTestId('agent-test-link').click()

    // The runner set through the API, summarised.
    const summary = page.getByTestId('runner-summary')
    await expect.poll(() => summary.getAttribute('data-state')).toBe('set')
    expect(await text(summary.getByTestId('runner-kind-tag'))).toBe('Command')
    expect(await text(summary.getByTestId('runner-target'))).toContain('-e')
    expect(page.url()).toContain('#/agents/main/test')

    // A marker on window disappears on any reload: everything below happens in one document.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }))

    await page.getByTestId('test-input').fill('hello switchboard')
    await page.getByTestId('test-run').click()
    await page.locator('.el-message', { hasText: 'Test started' }).waitFor()

    const latest = page.getByTestId('latest-test')
    await latest.waitFor()
    await expect.poll(() => latest.getAttribute('data-status')).toBe('running')
    await expect.poll(() => text(page.getByTestId('latest-output')), { timeout: 5000 }).toContain('line 1')
    const row = page.getByTestId('agent-tests').getByTestId('execution-row').first()
    const id = Number(await row.getAttribute('data-execution'))
    expect(id).toBeGreaterThan(0)
    await shot(page, 'agent-test-running-light')

    // Leave the page: it goes on. The dashboard shows it glowing, the monitor counts it.
    await page.getByTestId('nav-agents').click()
    const dashRow = historyRow(page, id)
    await dashRow.waitFor()
    expect(await dashRow.getAttribute('data-status')).toBe('running')
    expect(await dashRow.getAttribute('class')).toContain('swb-running-glow')
    // Reduced motion: a still blue glow rather than the pulse.
    expect(await dashRow.evaluate((el) => getComputedStyle(el).animationName)).toBe('none')
    expect(await dashRow.evaluate((el) => getComputedStyle(el).boxShadow)).toContain('rgba(59, 130, 246')
    expect(await text(dashRow.getByTestId('execution-type'))).toBe('Agent test')
    expect(await text(dashRow)).toContain('Main')
    expect(await text(dashRow)).toContain('hello switchboard')
    const monitor = page.getByTestId('execution-monitor')
    await monitor.waitFor()
    expect(await text(monitor.getByTestId('execution-monitor-count'))).toBe('1')
    expect(await text(monitor)).toContain('1 in progress')
    await shot(page, 'executions-dashboard-light')

    // The monitor opens onto the running test; one click reaches its page.
    await page.getByTestId('execution-monitor-toggle').click()
    const item = monitor.getByTestId('monitor-item')
    await item.waitFor()
    expect(await text(item)).toContain('Agent test')
    expect(await text(item)).toContain('Main')
    expect(await text(item.getByTestId('monitor-elapsed'))).toMatch(/^\d+s$/)
    await shot(page, 'executions-monitor-light')
    await item.click()

    const detail = page.getByTestId('execution-detail')
    await detail.waitFor()
    expect(page.url()).toContain(`#/executions/${id}`)
    expect(await detail.getAttribute('data-status')).toBe('running')
    expect(await text(page.getByTestId('execution-input'))).toBe('hello switchboard')
    await page.getByTestId('execution-cancel').waitFor()

    // The output grows while it runs.
    const output = page.getByTestId('execution-output')
    const lines = async (): Promise<number> => ((await text(output)).match(/line \d+/g) ?? []).length
    await expect.poll(lines, { timeout: 5000 }).toBeGreaterThan(0)
    const seen = await lines()
    await expect.poll(lines, { timeout: 5000 }).toBeGreaterThan(seen)
    await shot(page, 'execution-running-light')

    // And it ends: succeeded, the input in capitals, the monitor gone.
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded')
    await expect.poll(() => text(output)).toContain('HELLO SWITCHBOARD')
    expect(await text(output)).toContain('line 20')
    await monitor.waitFor({ state: 'detached' })
    expect(await page.getByTestId('execution-cancel').count()).toBe(0)
    await page.getByTestId('test-again').waitFor()
    expect(await text(page.getByTestId('execution-finished'))).toMatch(/just now|\ds ago/)
    await page.locator('.el-message', { hasText: 'Test of Main succeeded' }).waitFor()
    await shot(page, 'execution-succeeded-light')

    // Back on the dashboard, the same row, now green and still.
    await page.getByTestId('nav-agents').click()
    await expect.poll(() => historyRow(page, id).getAttribute('data-status')).toBe('succeeded')
    expect(await historyRow(page, id).getAttribute('class')).not.toContain('swb-running-glow')
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)

    expect(errors).toEqual([])
    await context.close()
  })

  it('cancels a running test from its page', async () => {
    await settle()
    const started = await startTest('cancel me')
    const { context, page, errors } = await newPage()
    await open(page, `/executions/${started.id}`)
    const detail = page.getByTestId('execution-detail')
    await detail.waitFor()
    await expect.poll(() => detail.getAttribute('data-status')).toBe('running')
    await expect.poll(() => text(page.getByTestId('execution-monitor-count'))).toBe('1')

    await page.getByTestId('execution-cancel').click()
    await page.getByRole('dialog', { name: 'Cancel this execution?' }).waitFor()
    await page.getByRole('button', { name: 'Cancel execution' }).click()

    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 10_000 }).toBe('cancelled')
    await page.getByTestId('execution-monitor').waitFor({ state: 'detached' })
    expect(await text(detail.getByTestId('execution-status'))).toBe('Cancelled')
    await shot(page, 'execution-cancelled-light')

    // The server agrees, and the history says so in its neutral colour.
    expect((await call<Execution>('GET', `/api/executions/${started.id}`)).body.status).toBe('cancelled')
    await page.getByTestId('nav-agents').click()
    await expect.poll(() => historyRow(page, started.id).getAttribute('data-status')).toBe('cancelled')

    expect(errors).toEqual([])
    await context.close()
  })

  it('follows a test over HTTP polling while the live stream is down', async () => {
    await settle()
    const { context, page, errors } = await newPage()
    // Every WebSocket to the server is refused at once: only the REST polling fallback is left.
    await page.routeWebSocket(/\/ws/, (ws) => ws.close({ code: 1011, reason: 'blocked by the test' }))
    await open(page, '/')
    await page.getByTestId('execution-history').waitFor()
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('polling')

    const started = await startTest('polled')
    const row = historyRow(page, started.id)
    await row.waitFor({ timeout: 12_000 })
    await expect.poll(() => text(page.getByTestId('execution-monitor-count')), { timeout: 12_000 }).toBe('1')
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded')
    await page.getByTestId('execution-monitor').waitFor({ state: 'detached' })

    await row.click()
    await expect.poll(() => text(page.getByTestId('execution-output'))).toContain('POLLED')

    expect(errors.filter((e) => !e.includes('WebSocket'))).toEqual([])
    await context.close()
  })

  it('pulses the running row when motion is welcome', async () => {
    await settle()
    const started = await startTest('pulse')
    const { context, page } = await newPage({ reducedMotion: 'no-preference' })
    await open(page, '/')
    const row = historyRow(page, started.id)
    await row.waitFor()
    await expect.poll(() => row.getAttribute('data-status')).toBe('running')
    expect(await row.evaluate((el) => getComputedStyle(el).animationName)).toBe('pulse-glow')
    expect(await row.evaluate((el) => getComputedStyle(el).animationDuration)).toBe('2s')
    await context.close()
  })

  it('looks right in the dark theme', async () => {
    await settle()
    const started = await startTest('dark', LONG_RUNNER)
    const { context, page } = await newPage({ colorScheme: 'dark' })
    await open(page, '/')
    const row = historyRow(page, started.id)
    await row.waitFor()
    await expect.poll(() => row.getAttribute('data-status')).toBe('running')
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true)
    await page.getByTestId('execution-monitor-toggle').click()
    await page.getByTestId('monitor-item').waitFor()
    await shot(page, 'executions-dashboard-dark')

    await open(page, `/executions/${started.id}`)
    await expect.poll(() => text(page.getByTestId('execution-output')), { timeout: 5000 }).toContain('line 2')
    await shot(page, 'execution-running-dark')
    await open(page, '/agents/main/test')
    await page.getByTestId('latest-test').waitFor()
    await shot(page, 'agent-test-dark')
    await cancel(started.id)
    await context.close()
  })

  it('speaks 简体中文', async () => {
    await settle()
    const { context, page } = await newPage({ locale: 'zh-CN' })
    await open(page, '/')
    const card = page.getByTestId('execution-history')
    await card.waitFor()
    expect(await text(card)).toContain('执行历史')
    await expect.poll(() => card.locator('[data-status="succeeded"] [data-testid="execution-status"]').first().textContent()).toContain('成功')
    expect(await text(card.getByTestId('execution-type').first())).toBe('智能体测试')
    await open(page, '/agents/main/test')
    await page.getByTestId('test-input').fill('你好')
    await page.getByTestId('test-run').click()
    await page.locator('.el-message', { hasText: '测试已启动' }).waitFor()
    await expect.poll(() => text(page.getByTestId('execution-monitor'))).toContain('1 个进行中')
    await shot(page, 'agent-test-zh-CN')
    await context.close()
  })

  it('fits a 375 px phone: nothing scrolls sideways', async () => {
    await settle()
    const started = await startTest('phone', LONG_RUNNER)
    const { context, page } = await newPage({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    await open(page, '/')
    const row = historyRow(page, started.id)
    await row.waitFor()
    await expect.poll(() => row.getAttribute('data-status')).toBe('running')
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'executions-dashboard-phone-375')

    await page.getByTestId('execution-monitor-toggle').click()
    await page.getByTestId('monitor-item').waitFor()
    expect(await overflowing(page)).toEqual([])
    // The viewport only: the monitor sits at its bottom.
    await page.screenshot({ path: path.join(SHOTS, 'executions-monitor-phone-375.png') })

    await page.getByTestId('monitor-item').click()
    await page.getByTestId('execution-detail').waitFor()
    await expect.poll(() => text(page.getByTestId('execution-output')), { timeout: 5000 }).toContain('line 1')
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'execution-phone-375')

    await open(page, '/agents/main/test')
    await page.getByTestId('latest-test').waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'agent-test-phone-375')

    await page.getByTestId('runner-edit').click()
    await page.getByRole('dialog', { name: 'Runner of Main' }).waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'runner-dialog-phone-375')
    await cancel(started.id)
    await context.close()
  })

  it('edits the runner in its form: prefilled, checked, saved', async () => {
    await settle()
    const before = (await call<RunnerConfig>('GET', '/api/agents/main/runner')).body
    const { context, page, errors } = await newPage()
    await open(page, '/agents/main/test')
    await expect.poll(() => page.getByTestId('runner-summary').getAttribute('data-state')).toBe('set')
    await page.getByTestId('runner-edit').click()
    const dialog = page.getByRole('dialog', { name: 'Runner of Main' })
    await dialog.waitFor()
    expect(await dialog.locator('[data-testid="runner-kind"][aria-checked="true"]').getAttribute('data-kind')).toBe('command')
    const program = page.getByTestId('runner-command')
    expect(await program.inputValue()).toBe(process.execPath)
    // The inline script is one argument: one per line.
    expect((await page.getByTestId('runner-args').inputValue()).split('\n')).toEqual(['-e', SLOW_AGENT])
    await shot(page, 'runner-dialog-light')

    // Checked before it is sent: the program is required, the limits are whole numbers.
    await program.fill('')
    await page.getByTestId('runner-timeout_ms').fill('soon')
    await page.getByTestId('runner-save').click()
    await dialog.getByText('Required.').waitFor()
    await dialog.getByText('A whole number above 0.').waitFor()

    // Another kind keeps what was typed for this one.
    await dialog.locator('[data-testid="runner-kind"][data-kind="http"]').click()
    await page.getByTestId('runner-url').waitFor()
    await dialog.locator('[data-testid="runner-kind"][data-kind="command"]').click()
    await program.fill(process.execPath)
    await page.getByTestId('runner-timeout_ms').fill('30000')
    await page.getByTestId('runner-save').click()
    await page.locator('.el-message', { hasText: 'Runner saved' }).waitFor()
    await dialog.waitFor({ state: 'hidden' })
    expect((await call<RunnerConfig>('GET', '/api/agents/main/runner')).body).toEqual(before)

    expect(errors).toEqual([])
    await context.close()
  })
})
