/**
 * What the browser suites share: the built UI, real Chromium, screenshots, and the checks a person
 * would make by eye (text as shown, nothing sticking out sideways on a phone).
 */
import { execFileSync } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core'
import { repoRoot } from './test-server.js'

export const SHOTS = path.join(repoRoot, 'test-results', 'screenshots')

/** Builds the UI unless `SWB_WEB_PREBUILT` says it is built, then starts headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  // The server lists the files of dist/web when it starts: build before any server runs.
  if (!process.env.SWB_WEB_PREBUILT) {
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' })
  }
  await mkdir(SHOTS, { recursive: true })
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

/** The text of an element as a person reads it: whitespace collapsed. */
export const text = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim()

/** Elements that stick out to the right of the viewport: the ones that make a phone scroll sideways. */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && getComputedStyle(el).position !== 'fixed')
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`)
  })
}

export async function shot(page: Page, name: string): Promise<void> {
  // Let transitions and the first frame of charts settle so the picture shows the resting state.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

/** A desktop page (light, English, reduced motion so pictures show the resting state) that records page errors. */
export async function newPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    colorScheme: 'light',
    locale: 'en-US',
    // Expected times are written in UTC, whatever the machine's zone.
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
    ...options,
  })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text())
  })
  return { context, page, errors }
}
