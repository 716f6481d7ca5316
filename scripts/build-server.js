#!/usr/bin/env node
// Builds the server and CLI into one ESM file (plus the parse worker beside it): Node then loads
// one file instead of hundreds of modules, which is most of a start's time. Type checking is
// `npm run typecheck`; this only transpiles and bundles.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outdir = path.join(root, 'dist', 'server')
rmSync(outdir, { recursive: true, force: true })

await build({
  absWorkingDir: root,
  entryPoints: {
    'cli/main': 'src/cli/main.ts',
    // Beside the bundle: the pool finds it next to the module that starts it.
    'cli/transcript-parse.worker': 'src/server/sources/openclaw/transcript-parse.worker.ts',
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // Native addons and optional peers stay real imports.
  external: ['better-sqlite3', 'pg', 'pino', 'bufferutil', 'utf-8-validate', 'fsevents'],
  // Bundled CommonJS dependencies call require(); ESM has none of its own.
  banner: { js: "import { createRequire as __swbRequire } from 'node:module'; const require = __swbRequire(import.meta.url);" },
})
