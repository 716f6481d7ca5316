#!/usr/bin/env node
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../dist/server/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('switchboard: not built yet. Run `npm run build` (or `npm start`, which builds first).\n')
  process.exit(1)
}
const { main } = await import(entry.href)
await main()
