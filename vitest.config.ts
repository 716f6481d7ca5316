import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'web/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Servers and temp dirs per file; files run in parallel processes.
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
          // One Chromium at a time on a 2-core machine.
          poolOptions: { forks: { singleFork: true } },
          // A page's first render (the app, its first fetch) can take over a second on a loaded
          // machine: a polled expectation waits up to 10 s (passing as soon as it holds), not 1 s.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
})
