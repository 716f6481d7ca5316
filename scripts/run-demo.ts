/**
 * `npm run demo`: the server on generated OpenClaw state that keeps changing. Flags after `--` go to
 * the server (e.g. `npm run demo -- --port 7421`).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from '../src/server/server.js'
import { startDemo } from './demo.js'
import { startDemoHosts, type DemoHostsHandle } from './demo-hosts.js'

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const log = (msg: string): void => void process.stdout.write(`  demo · ${msg}\n`)
const demo = await startDemo({ log })
const server = await startServer({
  host: flag('--host') ?? '127.0.0.1',
  port: Number(flag('--port') ?? 7420),
  dataDir: flag('--data-dir') ?? mkdtempSync(join(tmpdir(), 'switchboard-demo-data-')),
  openclawDirs: demo.stateDirs,
  openclawLogFiles: demo.logFiles,
  token: flag('--token'),
  logLevel: flag('--log-level') ?? 'warn',
  env: {},
})
process.stdout.write(
  `\n  Switchboard demo is serving on ${server.url}\n  Open the dashboard: ${server.dashboardUrl}\n` +
    `  Generated OpenClaw state: ${demo.stateDirs.join(', ')}\n\n`,
)
// Agent hosts register through the server's own API, so they start once it listens.
let hosts: DemoHostsHandle | null = null
try {
  hosts = await startDemoHosts({ url: server.url, token: server.token, log })
} catch (err) {
  log(`[demo] agent hosts not started: ${err instanceof Error ? err.message : String(err)}`)
}
let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  // The hosts say offline while the server still listens.
  void (hosts?.stop() ?? Promise.resolve())
    .then(() => Promise.all([server.close(), demo.stop()]))
    .then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
