#!/usr/bin/env node
// Builds the server and CLI into one CommonJS file, with the parse worker (an ES module) beside it:
// Node then loads one file instead of hundreds of modules, which was most of a start's time. Type
// checking is `npm run typecheck`; this only transpiles and bundles.
import { build } from 'esbuild'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outdir = path.join(root, 'dist', 'server')
rmSync(outdir, { recursive: true, force: true })
const clientOutdir = path.join(root, 'dist', 'agent-client')
rmSync(clientOutdir, { recursive: true, force: true })

// esbuild works in its own process: all bundles and the loading of TypeScript (for the client's
// declarations) overlap.
//
// The server and CLI are one CommonJS file: `bin/switchboard.js` compiles it with V8's code cache
// (`main.cjs.cache`, written beside it after a first start), which Node 20 offers for scripts but
// not for ES modules. Parsing and compiling the bundle was a fifth of a restart.
// pino is bundled like the rest: left outside, its 29 files were resolved and compiled on every
// start (about 30 ms), outside the code cache. Its transports (worker files) are not used.
const external = ['better-sqlite3', 'pg', 'bufferutil', 'utf-8-validate', 'fsevents']
const shared = {
  absWorkingDir: root,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Without whitespace and with shorter syntax the bundle is a third smaller, and V8 has that much
  // less to scan on every start. Names are kept: stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
}
const serverBuild = build({
  ...shared,
  entryPoints: { 'cli/main': 'src/cli/main.ts' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // Native addons and optional peers (`external`) stay real imports. So do Fastify's schema compilers (Ajv,
  // fast-json-stringify): the app passes its own (it declares no route schemas), so they are never
  // loaded, and leaving them out makes the bundle a third smaller.
  external: [...external, '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
  // The sources are ES modules: `import.meta.url` is the bundle's own URL.
  define: { 'import.meta.url': '__swbModuleUrl' },
  // `import('pg')` becomes a require(): a script compiled from V8's code cache has no loader for
  // dynamic imports on Node 20 ("A dynamic import callback was not specified"), so the
  // PostgreSQL store failed to open in every start after the first.
  supported: { 'dynamic-import': false },
  banner: { js: "const __swbModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
})
// The parse worker stays an ES module beside it: the pool finds it next to the module that starts it.
const workerBuild = build({
  ...shared,
  entryPoints: { 'cli/transcript-parse.worker': 'src/server/sources/openclaw/transcript-parse.worker.ts' },
  format: 'esm',
  external,
  // Bundled CommonJS dependencies call require(); ESM has none of its own.
  banner: { js: "import { createRequire as __swbRequire } from 'node:module'; const require = __swbRequire(import.meta.url);" },
})

// The agent client (`import … from 'switchboard/agent-client'`): its own bundle, Node built-ins
// only, with declarations beside it for TypeScript users.
const clientBuild = build({
  absWorkingDir: root,
  entryPoints: { index: 'src/agent-client/index.ts' },
  outdir: clientOutdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
})
const [client, { default: ts }] = await Promise.all([clientBuild, import('typescript'), serverBuild, workerBuild])
const dynamicImport = /\bimport\(\s*["'`]/.exec(readFileSync(path.join(outdir, 'cli', 'main.cjs'), 'utf8'))
if (dynamicImport) throw new Error(`the server bundle must not use import() (it runs from a code cache): found ${dynamicImport[0]}`)
const clientSources = Object.keys(client.metafile.inputs)
const foreign = clientSources.filter((f) => !f.startsWith('src/agent-client/') && f !== 'src/shared/agent-hosts.ts')
if (foreign.length > 0) throw new Error(`the agent client must stay free of dependencies, but it bundles ${foreign.join(', ')}`)

// One file at a time (isolated declarations): a fraction of a second, where a program would take seconds.
for (const file of clientSources) {
  const out = ts.transpileDeclaration(readFileSync(path.join(root, file), 'utf8'), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022 },
  })
  const problems = out.diagnostics.map((d) => `${file}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)
  // The shared contract keeps `HOST_ID_PATTERN` unannotated; its declaration (`RegExp`) comes out right regardless.
  if (problems.length > 0 && file.startsWith('src/agent-client/')) throw new Error(`declarations:\n${problems.join('\n')}`)
  const dts = path.join(clientOutdir, 'types', path.relative('src', file).replace(/\.ts$/, '.d.ts'))
  mkdirSync(path.dirname(dts), { recursive: true })
  writeFileSync(dts, out.outputText)
}
