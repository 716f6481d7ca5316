import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// Runs in a process of its own, with V8's natives syntax. It ticks enough for nextTick's feedback
// but not for its optimised code (which would keep the ticks' hidden classes alive, as it does
// later in a server's life), collects the heap with no tick queued (by `compactHeap`, or by a
// plain full collection for comparison), ticks again and prints nextTick's feedback vector.
const PROBE = `
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
const { compactHeap } = await import(process.argv[2])
const ticks = (n) => new Promise((resolve) => {
  let left = n
  const step = () => (--left > 0 ? process.nextTick(step) : resolve())
  process.nextTick(step)
})
await ticks(1_000)
await new Promise((resolve) => setTimeout(resolve, 20))
if (process.argv[3] === 'plain') {
  v8.setFlagsFromString('--expose-gc')
  runInNewContext('gc')()
} else {
  compactHeap()
}
await ticks(100_000)
new Function('f', '%DebugPrint(f)')(process.nextTick)
`

const dir = mkdtempSync(join(tmpdir(), 'swb-compact-'))
const probe = join(dir, 'probe.mjs')
writeFileSync(probe, PROBE)
const compactHeapModule = fileURLToPath(new URL('./compact-heap.ts', import.meta.url))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The states of the feedback slots of nextTick's literal (`{ [async_id_symbol]: …, … }`). */
async function literalFeedbackAfter(collection: 'compactHeap' | 'plain'): Promise<string[]> {
  // V8 prints from C++ straight to fd 1: into a file, not a pipe, or the end of it can be lost.
  const out = join(dir, `${collection}.out`)
  const fd = openSync(out, 'w')
  try {
    const child = spawn(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', probe, compactHeapModule, collection], { stdio: ['ignore', fd, 'inherit'] })
    const [code] = (await once(child, 'exit')) as [number | null]
    expect(code).toBe(0)
  } finally {
    closeSync(fd)
  }
  return [...readFileSync(out, 'utf8').matchAll(/slot #\d+ DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]!)
}

describe('compactHeap', () => {
  it('leaves process.nextTick on its fast path', async () => {
    const states = await literalFeedbackAfter('compactHeap')
    expect(states.length).toBeGreaterThan(0)
    expect(states).not.toContain('MEGAMORPHIC')
  })

  it('is needed: on Node 20 a plain full collection with no tick queued slows every tick after it', async () => {
    const states = await literalFeedbackAfter('plain')
    expect(states.length).toBeGreaterThan(0)
    // V8 11.3 (Node 20) has the fault; later V8 releases may not.
    if (process.versions.v8.startsWith('11.3.')) expect(states).toContain('MEGAMORPHIC')
  })
})
