#!/usr/bin/env node
// Runs the built server and CLI: one CommonJS bundle, compiled with V8's code cache. The cache is
// written beside the bundle a little after a start that had none (or a stale one), so the next
// start skips most parsing and compiling. Where the folder is read-only there is simply no cache.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'

const bundle = fileURLToPath(new URL('../dist/server/cli/main.cjs', import.meta.url))
if (!existsSync(bundle)) {
  process.stderr.write('switchboard: not built yet. Run `npm run build` (or `npm start`, which builds first).\n')
  process.exit(1)
}
// With --enable-source-maps, Node's own loader runs it (it maps stack traces; a cached script is not mapped).
if (process.sourceMapsEnabled) await createRequire(import.meta.url)(bundle).main()
else await runCached()

async function runCached() {
  const cacheFile = `${bundle}.cache`
  let cachedData
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  // The same wrapper Node puts around a CommonJS file; on the bundle's first line, so line numbers hold.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundle, 'utf8')}\n})`
  // The bundle has no dynamic import() (the build checks): on Node 20 a script compiled from a
  // code cache could not load one.
  const script = new vm.Script(source, { filename: bundle, cachedData })
  const mod = { exports: {} }
  script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle))
  if (cachedData === undefined || script.cachedDataRejected) {
    // Later rather than at once: the cache then also holds what the start itself compiled.
    setTimeout(() => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`
        writeFileSync(tmp, script.createCachedData())
        renameSync(tmp, cacheFile)
      } catch {
        // A read-only install: every start compiles the bundle, as without a cache.
      }
    }, 2_000).unref()
  }
  await mod.exports.main()
}
