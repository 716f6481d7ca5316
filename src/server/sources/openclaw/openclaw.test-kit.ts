/** Shared helpers of the OpenClaw source tests (fixtures, temp copies, collecting batches). */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { OpenClawEvent, IngestRejection } from '../../core/events.js'
import type { IngestBatch, SourceContext } from '../source.js'
import type { IngestSink } from './ingest-collector.js'
import type { ParsePool } from './parse-pool.js'

export const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../test/fixtures')
export const LEGACY = join(FIXTURES, 'openclaw-2026.4.15')
export const CURRENT = join(FIXTURES, 'openclaw-2026.9.6')
export const LEGACY_HOME = join(LEGACY, 'openclaw-home')
export const CURRENT_HOME = join(CURRENT, 'openclaw-home')
export const LEGACY_LOG = join(LEGACY, 'gateway-log', 'openclaw-2026-11-22.log')
export const CURRENT_LOG = join(CURRENT, 'gateway-log', 'openclaw-2026-11-22.log')

export const LEGACY_MAIN_SESSION = 'd425a798-f637-4842-8a47-bb354a6ddde6'
export const CURRENT_MAIN_SESSION = '6b933608-a568-44e7-9ea3-71ec4e3dc678'

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix = 'swb-openclaw-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Copies a fixture dir (a state dir or a whole fixture) into a fresh temp dir. */
export function copyFixture(from: string): { dir: string; cleanup: () => void } {
  const t = tempDir()
  cpSync(from, t.dir, { recursive: true })
  return t
}

export interface Recorder {
  ctx: SourceContext
  batches: IngestBatch[]
  events(): OpenClawEvent[]
  rejected(): IngestRejection[]
  /** Every checkpoint, later values overriding earlier ones. */
  checkpoints(): Map<string, unknown>
  clear(): void
}

export function createRecorder(saved: ReadonlyMap<string, unknown> = new Map(), now = () => 1795347000000): Recorder {
  const batches: IngestBatch[] = []
  const warnings: unknown[] = []
  const ctx: SourceContext = {
    checkpoints: saved,
    push: (batch) => batches.push(structuredClone(batch)),
    log: {
      info() {},
      debug() {},
      warn: (obj) => warnings.push(obj),
      error: (obj) => warnings.push(obj),
    },
    now,
  }
  return {
    ctx,
    batches,
    events: () => batches.flatMap((b) => b.events),
    rejected: () => batches.flatMap((b) => b.rejected),
    checkpoints: () => {
      const all = new Map(saved)
      for (const b of batches) for (const [k, v] of Object.entries(b.checkpoints)) all.set(k, v)
      return all
    },
    clear: () => {
      batches.length = 0
    },
  }
}

/** A parse pool whose every request throws: a test replaces the ones it runs in this thread. */
export function unusedPool(size = 1): ParsePool {
  const unused = (): never => {
    throw new Error('not used here')
  }
  return {
    size,
    readTranscript: unused,
    scanSession: unused,
    readAgentDb: unused,
    readAgentDbEvents: unused,
    readLogRange: unused,
    retire() {},
    async close() {},
  }
}

/** A plain in-memory sink for reader-level tests. */
export function createMemorySink(): IngestSink & {
  events: OpenClawEvent[]
  rejected: IngestRejection[]
  checkpoints: Map<string, unknown>
} {
  const events: OpenClawEvent[] = []
  const rejected: IngestRejection[] = []
  const checkpoints = new Map<string, unknown>()
  const sessions = new Map<string, string>()
  return {
    events,
    rejected,
    checkpoints,
    event(e) {
      if (e.kind === 'session_seen') sessions.set(e.sessionId, e.agentId)
      events.push(e)
    },
    reject: (place, reason) => rejected.push({ place, reason }),
    checkpoint: (key, value) => checkpoints.set(key, structuredClone(value)),
    agentOfSession: (id) => sessions.get(id) ?? null,
    bytes() {},
    maybeFlush() {},
  }
}

export function ofKind<K extends OpenClawEvent['kind']>(events: OpenClawEvent[], kind: K): Extract<OpenClawEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<OpenClawEvent, { kind: K }> => e.kind === kind)
}

/** Polls until `check` returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * A valid zstd frame holding `data` in raw (stored) blocks: lets a test write any content as zstd
 * without a compressor.
 */
export function zstdRawFrame(data: Uint8Array): Buffer {
  const parts: Buffer[] = []
  // Magic, then a frame header descriptor with a 4-byte content size and no window descriptor.
  const header = Buffer.alloc(4 + 1 + 4)
  header.writeUInt32LE(0xfd2fb528, 0)
  header[4] = 0b1010_0000 // FCS flag = 2 (4 bytes), single segment
  header.writeUInt32LE(data.length, 5)
  parts.push(header)
  const maxBlock = 128 * 1024
  let offset = 0
  do {
    const size = Math.min(maxBlock, data.length - offset)
    const last = offset + size >= data.length ? 1 : 0
    const blockHeader = (size << 3) | (0 << 1) | last // block type 0 = raw
    const bh = Buffer.alloc(3)
    bh[0] = blockHeader & 0xff
    bh[1] = (blockHeader >> 8) & 0xff
    bh[2] = (blockHeader >> 16) & 0xff
    parts.push(bh, Buffer.from(data.subarray(offset, offset + size)))
    offset += size
  } while (offset < data.length)
  return Buffer.concat(parts)
}
