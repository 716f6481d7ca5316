/**
 * Worker thread that parses transcript and log slices and reads agent databases, so a large first
 * read uses every core, and reads quiet sessions and agent databases whole for conversations. It holds no
 * state between requests: each carries its checkpoint and parser state, and gets them back.
 */
import { parentPort } from 'node:worker_threads'
import type { OpenClawEvent, IngestRejection } from '../../core/events.js'
import { readAgentDbEvents } from './agent-db.reader.js'
import { createJsonlTailer } from './jsonl-tailer.js'
import { createGatewayLogLineFilter } from './gateway-log.parser.js'
import { readGatewayLogRange } from './gateway-log.reader.js'
import { createConversationsDbReader } from './conversations-db.reader.js'
import { scanSessionFiles } from './session-files.scan.js'
import { readTranscriptFile } from './transcript-file.reader.js'
import { createTranscriptLineFilter } from './transcript.parser.js'
import type { ParseRequest, ParseResponse } from './parse-pool.js'

const tailer = createJsonlTailer()
const filter = createTranscriptLineFilter()
const logFilter = createGatewayLogLineFilter()

const fail = (id: number, err: unknown): void => {
  const res: ParseResponse = { id, ok: false, error: err instanceof Error ? err.message : String(err) }
  parentPort?.postMessage(res)
}

// Requests are handled one after another, in the order they came: the pool sends the next one
// before this one is answered, so the worker never waits for a busy main thread to hand it work.
let chain: Promise<void> = Promise.resolve()
parentPort?.on('message', (req: ParseRequest) => {
  chain = chain.then(() => handle(req)).catch((err: unknown) => fail(req.id, err))
})

function handle(req: ParseRequest): Promise<void> {
  if (req.kind === 'log') {
    return readGatewayLogRange(tailer, logFilter, req.job).then((range) => {
      const res: ParseResponse = { id: req.id, ok: true, kind: 'log', ...range }
      parentPort?.postMessage(res)
    }, (err: unknown) => fail(req.id, err))
  }
  if (req.kind === 'agent-db-events') {
    try {
      const res: ParseResponse = { id: req.id, ok: true, kind: 'agent-db-events', ...readAgentDbEvents(req.job) }
      parentPort?.postMessage(res)
    } catch (err) {
      fail(req.id, err)
    }
    return Promise.resolve()
  }
  if (req.kind === 'agent-db') {
    const rejected: IngestRejection[] = []
    const reader = createConversationsDbReader({ agentId: req.job.agentId, dbPath: req.job.dbPath })
    return reader.read({ reject: (place, reason) => rejected.push({ place, reason }) }).then(
      () => {
        const res: ParseResponse = { id: req.id, ok: true, kind: 'agent-db', state: reader.exportQuiet(), rejected }
        reader.close()
        parentPort?.postMessage(res)
      },
      (err: unknown) => {
        reader.close()
        fail(req.id, err)
      },
    )
  }
  if (req.kind === 'session') {
    return scanSessionFiles(tailer, req.job).then((scan) => {
      const res: ParseResponse = { id: req.id, ok: true, kind: 'session', ...scan }
      parentPort?.postMessage(res)
    }, (err: unknown) => fail(req.id, err))
  }
  const events: OpenClawEvent[] = []
  const rejected: IngestRejection[] = []
  const job = { ...req.job }
  return readTranscriptFile(
    tailer,
    filter,
    job,
    { event: (e) => events.push(e), reject: (place, reason) => rejected.push({ place, reason }), progress() {} },
    req.maxBytes,
  ).then(
    (result) => {
      const res: ParseResponse = { id: req.id, ok: true, kind: 'transcript', events, rejected, checkpoint: job.checkpoint, state: job.state, result }
      parentPort?.postMessage(res)
    },
    (err: unknown) => fail(req.id, err),
  )
}
