#!/usr/bin/env node
// `npm start`: build what is missing or stale, then serve. `npm run demo`: the same on generated data.
import { spawnSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const demo = args.includes('--demo')
const passThrough = args.filter((a) => a !== '--demo')

function newest(dir) {
  let t = 0
  if (!existsSync(dir)) return t
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

function build(script, output, inputs) {
  const out = path.join(root, output)
  const stale = !existsSync(out) || inputs.some((i) => newest(path.join(root, i)) > statSync(out).mtimeMs)
  if (!stale) return
  process.stdout.write(`Building (${script})…\n`)
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

build('build:server', 'dist/server/cli/main.cjs', ['src/server', 'src/shared', 'src/cli', 'src/agent-client'])
build('build:web', 'dist/web/index.html', ['web', 'src/shared'])

const child = demo
  ? spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/run-demo.ts'), ...passThrough], { cwd: root, stdio: 'inherit' })
  : spawn(process.execPath, [path.join(root, 'bin/switchboard.js'), 'serve', ...passThrough], { cwd: root, stdio: 'inherit' })
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s))
child.on('exit', (code) => process.exit(code ?? 0))
