/**
 * Workflows (seed 002) in real Chromium against the real server: a two-step workflow made through
 * the form, run from its page, followed live on the run's page until both steps succeed and the
 * second got the first's output; a failing step that stops the run and skips the rest, then set
 * to continue so the run succeeds with a failed step; editing, leaving unsaved, a taken name,
 * deleting; a step whose agent has no runner; dark, 简体中文 and a phone.
 * Screenshots land in test-results/screenshots/.
 */
import { type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Execution, ExecutionsPage, RunnerConfig, RunnerLimits } from '../../src/shared/executions.js'
import type { Workflow, WorkflowInput } from '../../src/shared/workflows.js'
import { launchBrowser, newPage as openPage, overflowing, shot, text } from '../helpers/browser.js'
import { copyFixture, removeTempDirs, startServer, type ServerProcess } from '../helpers/test-server.js'

/** A command runner running one line of JavaScript that gets the input on stdin. */
const script = (js: string, timeoutMs = 30_000): RunnerConfig & RunnerLimits => ({
  kind: 'command',
  command: process.execPath,
  args: ['-e', `let input = ''; process.stdin.on('data', (d) => (input += d)); process.stdin.on('end', () => { ${js} })`],
  input_mode: 'stdin',
  timeout_ms: timeoutMs,
})

/** Main drafts: a line at once, its draft 1.5 s later, so the step can be seen running. */
const DRAFT = script("console.log('drafting…'); setTimeout(() => console.log('DRAFT(' + input.trim() + ')'), 1500)")
/** Ops reviews what it is given. */
const REVIEW = script("console.log('REVIEWED[' + input.trim() + ']')")
/** Research is down. */
const FAIL = script("console.error('research is down'); process.exit(3)")
/** RL talks for a minute: for pictures of a run in progress, cancelled once they are taken. */
const SLOW = script("let i = 0; const t = setInterval(() => { i += 1; console.log('thinking ' + i); if (i === 200) clearInterval(t) }, 300)", 120_000)

const FIRST_NAME = 'Draft and review'
const RENAMED = 'Draft, review and sign off'

let browser: Browser
let server: ServerProcess

beforeAll(async () => {
  browser = await launchBrowser()
  // OpenClaw agents main, ops, research and rl.
  server = await startServer({ openclawDirs: [await copyFixture('openclaw-2026.9.6')] })
  for (const [agent, runner] of [
    ['main', DRAFT],
    ['ops', REVIEW],
    ['research', FAIL],
    ['rl', SLOW],
  ] as const) {
    expect((await call('PUT', `/api/agents/${agent}/runner`, runner)).status).toBe(200)
  }
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

async function createWorkflow(input: WorkflowInput): Promise<Workflow> {
  const r = await call<Workflow>('POST', '/api/workflows', input)
  expect(r.status).toBe(201)
  return r.body
}

async function workflowNamed(name: string): Promise<Workflow | undefined> {
  return (await call<{ workflows: Workflow[] }>('GET', '/api/workflows')).body.workflows.find((w) => w.name === name)
}

async function runOf(id: number): Promise<Execution> {
  return (await call<Execution>('GET', `/api/executions/${id}`)).body
}

/** Waits until nothing runs any more, so each test begins with an empty monitor. */
async function settle(): Promise<void> {
  await expect
    .poll(
      async () =>
        (await call<ExecutionsPage>('GET', '/api/executions?limit=50')).body.executions.filter(
          (e) => !['succeeded', 'failed', 'cancelled', 'interrupted'].includes(e.status),
        ).length,
      { timeout: 20_000 },
    )
    .toBe(0)
}

const newPage = (options: BrowserContextOptions = {}) => openPage(browser, options)

/** Signs in from the printed link, straight onto `route`. */
async function open(page: Page, route: string): Promise<void> {
  await page.goto(`${server.url}/#${route}?token=${server.token}`)
}

const editor = (page: Page, position: number): Locator => page.locator(`[data-testid="step-editor"][data-position="${position}"]`)
const step = (page: Page, index: number): Locator => page.locator(`[data-testid="execution-step"][data-index="${index}"]`)

async function chooseAgent(page: Page, position: number, agentId: string): Promise<void> {
  await editor(page, position).getByTestId('step-agent').click()
  await page.locator(`.el-select-dropdown__item[data-agent="${agentId}"]`).locator('visible=true').click()
  await page.locator('.el-select-dropdown').locator('visible=true').waitFor({ state: 'hidden' })
}

/** Runs the workflow shown from its Run button and lands on the run's page; returns the run's id. */
async function runFromPage(page: Page, input: string): Promise<number> {
  await page.getByTestId('workflow-run').click()
  const dialog = page.getByTestId('run-dialog')
  await dialog.waitFor()
  if (input) await page.getByTestId('run-input').fill(input)
  await page.getByTestId('run-start').click()
  await page.locator('.el-message', { hasText: 'Workflow started' }).last().waitFor()
  await page.getByTestId('execution-detail').waitFor()
  const id = Number(/#\/executions\/(\d+)/.exec(page.url())?.[1])
  expect(id).toBeGreaterThan(0)
  return id
}

describe('workflows', () => {
  it('starts empty with a call to action, and makes a two-step workflow through the form', async () => {
    const { context, page, errors } = await newPage()
    await open(page, '/workflows')
    const empty = page.getByTestId('workflows-empty')
    await empty.waitFor()
    expect(await page.getByTestId('nav-workflows').getAttribute('aria-current')).toBe('page')
    expect(await text(empty)).toContain('No workflows yet')
    await shot(page, 'workflows-empty-light')
    await empty.getByTestId('workflow-new').click()
    const form = page.getByTestId('workflow-form')
    await form.waitFor()
    expect(page.url()).toContain('#/workflows/new')

    // Nothing is sent while something is missing; each problem is said next to its field.
    await page.getByTestId('workflow-save').click()
    expect(await text(page.getByTestId('form-error'))).toBe('Some fields need attention.')
    await form.locator('.el-form-item.is-error', { hasText: 'Name' }).getByText('Required.').waitFor()
    await editor(page, 1).locator('.el-form-item.is-error', { hasText: 'Agent' }).getByText('Required.').waitFor()
    expect(await editor(page, 1).locator('.el-form-item.is-error').count()).toBe(1)
    await shot(page, 'workflow-form-errors-light')

    await page.getByTestId('workflow-name-input').fill(FIRST_NAME)
    await page.getByTestId('workflow-description-input').fill('Main drafts, Ops reviews the draft.')
    await chooseAgent(page, 1, 'main')
    await editor(page, 1).getByTestId('step-name-input').fill('Draft')
    expect(await editor(page, 1).getByTestId('step-input').inputValue()).toBe('{{input}}')

    // A template is checked as it is typed, with the shared parser.
    await editor(page, 1).getByTestId('step-input').fill('{{previous.output}}')
    await editor(page, 1).getByText('The first step has no step before it: use {{input}} instead.').waitFor()
    await editor(page, 1).getByTestId('step-input').fill('')
    await editor(page, 1).getByTestId('step-chip').filter({ hasText: '{{input}}' }).click()
    expect(await editor(page, 1).getByTestId('step-input').inputValue()).toBe('{{input}}')

    // A new step takes the output before it, and the agent before it until another is chosen.
    await page.getByTestId('step-add').click()
    await editor(page, 2).waitFor()
    expect(await editor(page, 2).getByTestId('step-input').inputValue()).toBe('{{previous.output}}')
    await chooseAgent(page, 2, 'ops')
    await editor(page, 2).getByTestId('step-name-input').fill('Review')
    await editor(page, 2).getByTestId('step-input').fill('Review this: ')
    await editor(page, 2).getByTestId('step-chip').filter({ hasText: '{{previous.output}}' }).click()
    expect(await editor(page, 2).getByTestId('step-input').inputValue()).toBe('Review this: {{previous.output}}')
    expect(await form.locator('.el-form-item.is-error').count()).toBe(0)
    await page.evaluate(() => window.scrollTo(0, 0))
    await shot(page, 'workflow-form-light')

    await page.getByTestId('workflow-save').click()
    await page.locator('.el-message', { hasText: 'Workflow created' }).waitFor()
    const detail = page.getByTestId('workflow-detail')
    await detail.waitFor()
    const saved = await workflowNamed(FIRST_NAME)
    expect(saved).toMatchObject({
      description: 'Main drafts, Ops reviews the draft.',
      steps: [
        { name: 'Draft', agent_id: 'main', input: '{{input}}', on_failure: 'stop' },
        { name: 'Review', agent_id: 'ops', input: 'Review this: {{previous.output}}', on_failure: 'stop' },
      ],
    })
    expect(page.url()).toContain(`#/workflows/${saved!.id}`)

    // Its page: the steps in order, agents linked, placeholders marked, what a failure does.
    expect(await text(page.getByTestId('workflow-title'))).toBe(FIRST_NAME)
    const steps = page.getByTestId('workflow-step')
    expect(await steps.count()).toBe(2)
    expect(await text(steps.nth(0).getByTestId('step-name'))).toBe('Draft')
    expect(await text(steps.nth(1).getByTestId('step-agent'))).toBe('Ops')
    expect(await steps.nth(1).getByTestId('step-agent').getAttribute('href')).toBe('#/agents/ops')
    expect(await text(steps.nth(1).getByTestId('step-template'))).toBe('Review this: {{previous.output}}')
    expect(await text(steps.nth(1).getByTestId('template-placeholder'))).toBe('{{previous.output}}')
    expect(await text(steps.nth(1).getByTestId('step-on-failure'))).toBe('stops the run if it fails')
    expect(await text(page.getByTestId('workflow-no-runs'))).toContain('Not run yet')
    await shot(page, 'workflow-light')

    expect(errors).toEqual([])
    await context.close()
  })

  it('runs it: step 2 gets step 1’s output, both followed live to success', async () => {
    const w = (await workflowNamed(FIRST_NAME))!
    const { context, page, errors } = await newPage()
    await open(page, `/workflows/${w.id}`)
    await page.getByTestId('workflow-detail').waitFor()
    const id = await runFromPage(page, 'hello')

    // Step 1 runs with its output arriving live; step 2 waits.
    const detail = page.getByTestId('execution-detail')
    await expect.poll(() => step(page, 0).getAttribute('data-status')).toBe('running')
    await expect.poll(() => text(step(page, 0).getByTestId('step-output')), { timeout: 5000 }).toContain('drafting…')
    expect(await step(page, 1).getAttribute('data-status')).toBe('pending')
    expect(await text(page.getByTestId('execution-workflow-link'))).toBe(FIRST_NAME)
    expect(await page.getByTestId('execution-workflow-link').getAttribute('href')).toBe(`#/workflows/${w.id}`)
    expect(await text(page.getByTestId('execution-input'))).toBe('hello')
    await shot(page, 'workflow-run-running-light')

    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded')
    await expect.poll(() => step(page, 1).getAttribute('data-status')).toBe('succeeded')
    expect(await step(page, 0).getAttribute('data-status')).toBe('succeeded')
    expect(await text(step(page, 0).getByTestId('step-output'))).toContain('DRAFT(hello)')
    expect(await text(step(page, 1).getByTestId('step-input-rendered'))).toBe('Review this: drafting… DRAFT(hello)')
    expect(await text(step(page, 1).getByTestId('step-output'))).toContain('REVIEWED[Review this: drafting…')
    expect(await text(step(page, 1).getByTestId('step-output'))).toContain('DRAFT(hello)]')
    expect(await text(step(page, 1).getByTestId('execution-step-name'))).toBe('Review')
    expect(await page.getByTestId('failed-steps').count()).toBe(0)
    await page.locator('.el-message', { hasText: `Workflow ${FIRST_NAME} succeeded` }).waitFor()
    expect((await runOf(id)).steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded'])
    await shot(page, 'workflow-run-succeeded-light')
    // A run's page is under Workflows in the header.
    expect(await page.getByTestId('nav-workflows').getAttribute('aria-current')).toBe('page')

    // The history names the workflow, not an agent; the workflow's page and the list show the run.
    await page.getByTestId('nav-agents').click()
    const row = page.locator(`[data-testid="execution-history"] [data-testid="execution-row"][data-execution="${id}"]`)
    await row.waitFor()
    expect(await text(row.getByTestId('execution-subject'))).toBe(FIRST_NAME)
    expect(await text(row.getByTestId('execution-type'))).toBe('Workflow')
    await page.getByTestId('nav-workflows').click()
    const listed = page.locator(`[data-testid="workflow-row"][data-workflow="${w.id}"]`)
    await listed.waitFor()
    expect(await listed.getByTestId('workflow-chain').locator('li').allTextContents()).toEqual(['Main', 'Ops'])
    await expect.poll(() => text(listed.getByTestId('workflow-last-run'))).toContain('Succeeded')
    await shot(page, 'workflows-light')
    await listed.click()
    const runRow = page.getByTestId('workflow-runs').locator(`[data-execution="${id}"]`)
    await runRow.waitFor()
    expect(await runRow.getAttribute('data-status')).toBe('succeeded')
    expect(await text(runRow)).toContain('hello')

    expect(errors).toEqual([])
    await context.close()
  })

  it('a failing step stops the run and skips the rest; set to continue, the run succeeds with it failed', async () => {
    await settle()
    const w = await createWorkflow({
      name: 'Research first',
      steps: [
        { agent_id: 'research', input: 'Look into {{input}}' },
        { agent_id: 'ops', input: 'Notes: {{previous.output}}' },
      ],
    })
    const { context, page, errors } = await newPage()
    await open(page, `/workflows/${w.id}`)
    await page.getByTestId('workflow-detail').waitFor()
    const failedRun = await runFromPage(page, 'tides')
    const detail = page.getByTestId('execution-detail')
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 15_000 }).toBe('failed')
    await expect.poll(() => step(page, 1).getAttribute('data-status')).toBe('skipped')
    expect(await step(page, 0).getAttribute('data-status')).toBe('failed')
    expect(await text(step(page, 1).getByTestId('execution-status'))).toBe('Skipped')
    expect(await text(step(page, 1))).toContain('Skipped: it never ran.')
    expect(await text(page.getByTestId('execution-error'))).toContain('Step 1 (research) failed')
    expect(await text(step(page, 0).getByTestId('step-error'))).toContain('exited with code 3')
    // Skipped is grey, not the red of a failure.
    const badge = step(page, 1).getByTestId('execution-status')
    expect(await badge.getAttribute('data-tone')).toBe('neutral')
    await shot(page, 'workflow-run-failed-light')

    // Step 1 set to continue through the form: the run goes on and succeeds, one step failed.
    await page.getByTestId('execution-workflow-link').click()
    await page.getByTestId('workflow-edit').click()
    await page.getByTestId('workflow-form').waitFor()
    await editor(page, 1).locator('[data-testid="step-on-failure-option"][data-value="continue"]').click()
    expect(await text(editor(page, 1))).toContain('The run goes on and can still succeed.')
    await page.getByTestId('workflow-save').click()
    await page.locator('.el-message', { hasText: 'Workflow saved' }).waitFor()
    await page.getByTestId('workflow-detail').waitFor()
    expect(await text(page.getByTestId('workflow-step').first().getByTestId('step-on-failure'))).toBe('continues if it fails')
    expect((await workflowNamed('Research first'))!.steps[0]!.on_failure).toBe('continue')

    const id = await runFromPage(page, 'tides')
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded')
    await expect.poll(() => text(page.getByTestId('failed-steps'))).toBe('1 step failed')
    expect(await step(page, 0).getAttribute('data-status')).toBe('failed')
    expect(await text(step(page, 0).getByTestId('step-continues'))).toBe('continues on failure')
    expect(await text(step(page, 0))).toContain('the run went on')
    expect(await step(page, 1).getAttribute('data-status')).toBe('succeeded')
    expect(await text(step(page, 1).getByTestId('step-output'))).toBe('REVIEWED[Notes:]')
    expect(await text(detail)).toContain('the steps that failed are set to continue on failure')
    await shot(page, 'workflow-run-continued-light')

    // The workflow's runs say so too, next to the green badge.
    await page.getByTestId('execution-workflow-link').click()
    const runRow = page.getByTestId('workflow-runs').locator(`[data-execution="${id}"]`)
    await runRow.waitFor()
    expect(await text(runRow.getByTestId('failed-steps'))).toBe('1 step failed')
    expect(await page.getByTestId('workflow-runs').locator(`[data-execution="${failedRun}"]`).getAttribute('data-status')).toBe('failed')
    await shot(page, 'workflow-runs-light')

    expect(errors).toEqual([])
    await context.close()
  })

  it('edits: adds, moves and removes steps, keeps unsaved changes on leaving, refuses a taken name', async () => {
    await settle()
    const w = (await workflowNamed(FIRST_NAME))!
    const { context, page, errors } = await newPage()
    await open(page, `/workflows/${w.id}/edit`)
    await page.getByTestId('workflow-form').waitFor()
    expect(await page.getByTestId('workflow-name-input').inputValue()).toBe(FIRST_NAME)
    expect(await editor(page, 2).getByTestId('step-input').inputValue()).toBe('Review this: {{previous.output}}')

    // A third step, moved up to second: the templates follow their steps.
    await page.getByTestId('step-add').click()
    await chooseAgent(page, 3, 'main')
    await editor(page, 3).getByTestId('step-input').fill('Sign off on {{steps.1.output}}')
    await editor(page, 3).getByTestId('step-up').click()
    expect(await editor(page, 2).getByTestId('step-input').inputValue()).toBe('Sign off on {{steps.1.output}}')
    expect(await editor(page, 3).getByTestId('step-name-input').inputValue()).toBe('Review')
    // Moved to the top, a template that names an earlier step is flagged at once.
    await editor(page, 2).getByTestId('step-up').click()
    await editor(page, 1).getByText('The first step has no earlier step to name in {{steps.1.output}}.').waitFor()
    await editor(page, 1).getByTestId('step-down').click()
    expect(await page.getByTestId('workflow-form').locator('.el-form-item.is-error').count()).toBe(0)
    expect(await editor(page, 1).getByTestId('step-up').isDisabled()).toBe(true)
    expect(await editor(page, 3).getByTestId('step-down').isDisabled()).toBe(true)
    await page.evaluate(() => window.scrollTo(0, 0))
    await shot(page, 'workflow-edit-light')

    // Leaving with unsaved changes asks first.
    await page.getByTestId('nav-workflows').click()
    await page.getByRole('dialog', { name: 'Leave without saving?' }).waitFor()
    await page.getByRole('button', { name: 'Keep editing' }).click()
    expect(page.url()).toContain(`#/workflows/${w.id}/edit`)

    // A name another workflow has is refused by the server, said next to the name.
    await page.getByTestId('workflow-name-input').fill('Research first')
    await page.getByTestId('workflow-save').click()
    await page.getByTestId('workflow-form').getByText('A workflow with this name already exists.').waitFor()
    await page.getByTestId('workflow-name-input').fill(RENAMED)
    expect(await page.getByText('A workflow with this name already exists.').count()).toBe(0)

    // The middle step removed again, then saved.
    await editor(page, 2).getByTestId('step-remove').click()
    await expect.poll(() => page.getByTestId('step-editor').count()).toBe(2)
    await page.getByTestId('step-add').click()
    await chooseAgent(page, 3, 'main')
    await editor(page, 3).getByTestId('step-name-input').fill('Sign off')
    await editor(page, 3).getByTestId('step-input').fill('Sign off on {{steps.1.output}} and {{previous.output}}')
    await editor(page, 3).getByTestId('step-timeout').fill('90')
    await page.getByTestId('workflow-save').click()
    await page.locator('.el-message', { hasText: 'Workflow saved' }).waitFor()
    await page.getByTestId('workflow-detail').waitFor()
    expect(await text(page.getByTestId('workflow-title'))).toBe(RENAMED)
    expect(await page.getByTestId('workflow-step').count()).toBe(3)
    expect(await text(page.getByTestId('workflow-step').nth(2))).toContain('timeout 1m 30s')
    expect(await page.getByTestId('workflow-step').nth(2).getByTestId('template-placeholder').count()).toBe(2)
    const saved = (await call<Workflow>('GET', `/api/workflows/${w.id}`)).body
    expect(saved.name).toBe(RENAMED)
    expect(saved.steps.map((s) => [s.name, s.agent_id, s.input, s.timeout_ms])).toEqual([
      ['Draft', 'main', '{{input}}', undefined],
      ['Review', 'ops', 'Review this: {{previous.output}}', undefined],
      ['Sign off', 'main', 'Sign off on {{steps.1.output}} and {{previous.output}}', 90_000],
    ])
    await shot(page, 'workflow-edited-light')

    // The browser notes the refused save (409) in its console; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('status of 409'))).toEqual([])
    await context.close()
  })

  it('says which step’s agent has no runner, and where to set one up', async () => {
    expect((await call('POST', '/api/v1/agents', { agent_id: 'bare-host', agent_name: 'Bare host', pool_id: 'lab' })).status).toBe(201)
    const w = await createWorkflow({ name: 'Needs a runner', steps: [{ agent_id: 'ops', input: '{{input}}' }, { agent_id: 'bare-host', input: '{{previous.output}}' }] })
    const { context, page, errors } = await newPage()
    await open(page, `/workflows/${w.id}`)
    await page.getByTestId('workflow-detail').waitFor()
    // A registered host without an OpenClaw agent links to its pool, once the hosts are loaded
    // (until then every agent links to its own page).
    await page.getByTestId('workflow-step').nth(1).locator('[data-testid="step-agent"][href="#/pools/lab"]').waitFor()
    // Its page says so before anyone presses Run.
    await page.getByTestId('workflow-step').nth(1).getByTestId('step-no-runner').waitFor()
    expect(await page.getByTestId('step-no-runner').count()).toBe(1)
    await page.getByTestId('workflow-run').click()
    await page.getByTestId('run-start').click()
    const error = page.getByTestId('run-error')
    await error.waitFor()
    expect(await text(error)).toContain('Step 2 uses Bare host, which has no runner yet.')
    await shot(page, 'workflow-run-no-runner-light')
    await error.getByRole('link').click()
    await page.getByTestId('agent-test').waitFor()
    expect(page.url()).toContain('#/agents/bare-host/test')
    // The refused run, and the test page asking for the runner it has not got.
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([])
    await context.close()
  })

  it('deletes a workflow after asking; its runs stay in the history under its name', async () => {
    await settle()
    const w = (await workflowNamed('Research first'))!
    const runs = (await call<ExecutionsPage>('GET', `/api/executions?workflow_id=${w.id}`)).body.executions
    expect(runs.length).toBeGreaterThan(0)
    const { context, page, errors } = await newPage()
    await open(page, `/workflows/${w.id}`)
    await page.getByTestId('workflow-delete').click()
    const dialog = page.getByRole('dialog', { name: 'Delete this workflow?' })
    await dialog.waitFor()
    expect(await text(dialog)).toContain('Its past runs stay in the execution history.')
    await shot(page, 'workflow-delete-light')
    await page.getByRole('button', { name: 'Delete workflow' }).click()
    await page.locator('.el-message', { hasText: 'Workflow deleted' }).waitFor()
    await page.getByTestId('workflow-list').waitFor()
    expect(page.url()).toMatch(/#\/workflows$/)
    expect(await page.locator(`[data-testid="workflow-row"][data-workflow="${w.id}"]`).count()).toBe(0)
    expect((await call('GET', `/api/workflows/${w.id}`)).status).toBe(404)

    await open(page, `/executions/${runs[0]!.id}`)
    await page.getByTestId('execution-detail').waitFor()
    await expect.poll(() => text(page.getByTestId('execution-workflow'))).toContain('deleted')
    expect(await text(page.getByTestId('execution-workflow'))).toContain('Research first')
    expect(await page.getByTestId('execution-workflow-link').count()).toBe(0)
    expect(await page.getByTestId('run-again').count()).toBe(0)
    expect(errors).toEqual([])
    await context.close()
  })

  it('looks right in the dark theme', async () => {
    await settle()
    const w = await createWorkflow({
      name: 'Long think',
      description: 'RL thinks at length, then Ops reviews.',
      steps: [
        { name: 'Think', agent_id: 'rl', input: 'Think about {{input}}' },
        { agent_id: 'ops', input: 'Thoughts: {{previous.output}}', on_failure: 'continue' },
      ],
    })
    const { context, page, errors } = await newPage({ colorScheme: 'dark' })
    await open(page, '/workflows')
    await page.getByTestId('workflow-list').waitFor()
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true)
    await shot(page, 'workflows-dark')
    await open(page, `/workflows/${w.id}`)
    await page.getByTestId('workflow-detail').waitFor()
    const id = await runFromPage(page, 'tides')
    await expect.poll(() => text(step(page, 0).getByTestId('step-output')), { timeout: 5000 }).toContain('thinking 2')
    await shot(page, 'workflow-run-running-dark')
    await open(page, `/workflows/${w.id}`)
    await page.getByTestId('workflow-runs').waitFor()
    await shot(page, 'workflow-dark')
    await open(page, `/workflows/${w.id}/edit`)
    await page.getByTestId('workflow-form').waitFor()
    await shot(page, 'workflow-form-dark')
    expect((await call<Execution>('POST', `/api/executions/${id}/cancel`)).status).toBe(200)
    await open(page, `/executions/${id}`)
    await expect.poll(() => step(page, 1).getAttribute('data-status')).toBe('skipped')
    await shot(page, 'workflow-run-cancelled-dark')
    expect(errors).toEqual([])
    await context.close()
  })

  it('speaks 简体中文', async () => {
    await settle()
    const { context, page, errors } = await newPage({ locale: 'zh-CN' })
    await open(page, '/workflows')
    await page.getByTestId('workflow-list').waitFor()
    expect(await text(page.getByTestId('nav-workflows'))).toBe('工作流')
    expect(await text(page.getByTestId('workflow-new'))).toBe('新建工作流')
    await shot(page, 'workflows-zh-CN')

    const w = (await workflowNamed(RENAMED))!
    await open(page, `/workflows/${w.id}`)
    await page.getByTestId('workflow-detail').waitFor()
    expect(await text(page.getByTestId('workflow-run'))).toBe('运行')
    expect(await text(page.getByTestId('workflow-step').first().getByTestId('step-on-failure'))).toBe('失败时终止运行')
    const id = await (async () => {
      await page.getByTestId('workflow-run').click()
      await page.getByTestId('run-input').fill('你好')
      await page.getByTestId('run-start').click()
      await page.locator('.el-message', { hasText: '工作流已启动' }).waitFor()
      await page.getByTestId('execution-detail').waitFor()
      return Number(/#\/executions\/(\d+)/.exec(page.url())?.[1])
    })()
    await expect.poll(() => page.getByTestId('execution-detail').getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded')
    // The run's status comes with the push; its steps with the read that the push starts.
    await expect.poll(() => text(step(page, 2).getByTestId('execution-status'))).toBe('成功')
    expect(await text(step(page, 2).getByTestId('step-output'))).toContain('DRAFT(你好)')
    expect(await text(page.getByTestId('execution-steps').locator('xpath=..'))).toContain('3 步中已完成 3 步')
    await shot(page, 'workflow-run-zh-CN')
    expect(id).toBeGreaterThan(0)

    await open(page, `/workflows/${w.id}/edit`)
    await page.getByTestId('workflow-form').waitFor()
    await editor(page, 1).getByTestId('step-input').fill('{{nope}}')
    await editor(page, 1).getByText('未知的占位符 {{nope}}').waitFor()
    await shot(page, 'workflow-form-zh-CN')
    expect(errors).toEqual([])
    await context.close()
  })

  it('fits a 375 px phone: nothing scrolls sideways', async () => {
    await settle()
    const w = (await workflowNamed('Long think'))!
    const { context, page } = await newPage({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    await open(page, '/workflows')
    await page.getByTestId('workflow-list').waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'workflows-phone-375')

    await open(page, `/workflows/${w.id}`)
    await page.getByTestId('workflow-detail').waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'workflow-phone-375')

    await page.getByTestId('workflow-run').click()
    await page.getByTestId('run-dialog').waitFor()
    expect(await overflowing(page)).toEqual([])
    await page.getByTestId('run-input').fill('phone')
    await page.getByTestId('run-start').click()
    await page.getByTestId('execution-detail').waitFor()
    const id = Number(/#\/executions\/(\d+)/.exec(page.url())?.[1])
    await expect.poll(() => text(step(page, 0).getByTestId('step-output')), { timeout: 5000 }).toContain('thinking 1')
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'workflow-run-phone-375')

    await open(page, `/workflows/${w.id}/edit`)
    await page.getByTestId('workflow-form').waitFor()
    expect(await overflowing(page)).toEqual([])
    await shot(page, 'workflow-form-phone-375')
    await editor(page, 1).getByTestId('step-agent').click()
    await page.locator('.el-select-dropdown__item').locator('visible=true').first().waitFor()
    expect(await overflowing(page)).toEqual([])
    await page.keyboard.press('Escape')
    expect((await call<Execution>('POST', `/api/executions/${id}/cancel`)).status).toBe(200)
    await context.close()
  })
})
