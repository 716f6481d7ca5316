/**
 * The first read parses the whole history once and leaves a heap of garbage that V8 would keep
 * around for a long while; one full, compacting collection right after it gives that memory back.
 */
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'

const keepTickShapeAlive = (): void => {}

export function compactHeap(): void {
  try {
    v8.setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as (() => void) | undefined
    // Flags go back as they were: V8's code cache (bin/switchboard.js) is only valid for the flags
    // it was made with, and it is made after this has run.
    v8.setFlagsFromString('--no-expose-gc')
    // The objects the read keeps were allocated among its garbage, on every page of the heap: a
    // collection that does not move them frees little. This one compacts, then the flag goes back.
    v8.setFlagsFromString('--compact-on-every-full-gc')
    // A tick stays queued across the collection. Node builds each `process.nextTick` entry as an
    // object literal with computed keys, and V8 11.3 (Node 20) turns that literal's feedback
    // megamorphic for good once the entries' hidden classes die, which they do when a full
    // collection finds no entry alive, as this one would in a quiet moment. Every tick after that
    // took about 1 µs instead of 0.1 µs, and a request spends several (see docs/benchmarks.md).
    process.nextTick(keepTickShapeAlive)
    gc?.()
    v8.setFlagsFromString('--no-compact-on-every-full-gc')
  } catch {
    // Not available on this runtime: memory is returned as V8 sees fit.
  }
}
