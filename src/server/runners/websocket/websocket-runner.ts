/**
 * The `websocket` runner: connects to a URL, sends the input as one text message
 * `{"type": "message", "content": "<input>"}`, and collects the replies until the agent is done.
 *
 * Each message it receives (text, or binary read as UTF-8) is one of:
 * - JSON `{"type": "chunk" | "delta", "content": "…"}`: a piece of the output, streamed;
 * - JSON `{"type": "done" | "final" | "message", "content"?: "…"}`: the end (its content, if any,
 *   is the last piece);
 * - JSON `{"type": "error", "message": "…"}`: the run fails with that message;
 * - JSON with another `type` (say `typing` or `ack`): ignored;
 * - anything else (plain text, JSON without a string `type`): a piece of the output, as it is.
 *
 * The server closing the socket normally (1000, or without a code) after at least one piece also
 * ends the run. Cancelling or a timeout closes the socket at once. No message may be larger than
 * twice the output cap plus an envelope, and the output is cut at the cap.
 */
import WebSocket from 'ws'
import { createOutputCollector, tooLargeMessage } from '../output-collector.js'
import { abortReason, errnoCode, errorMessage, runnerError, UNREACHABLE_CODES, withPartial } from '../runner-errors.js'
import { envelopeCap } from '../runner-limits.js'
import { RunnerError, type Runner, type RunnerEnvironment, type RunResult } from '../runner.js'
import type { WebSocketRunnerConfig } from './websocket-config.js'

export interface WebSocketRunnerOptions {
  /** How long a finished run waits for the server to answer its close before dropping the socket. Default is 1000. */
  closeGraceMs?: number
}

const NORMAL_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1005])
const PIECE_TYPES: ReadonlySet<string> = new Set(['chunk', 'delta'])
const END_TYPES: ReadonlySet<string> = new Set(['done', 'final', 'message'])

export function createWebSocketRunner(config: WebSocketRunnerConfig, _env: RunnerEnvironment, options: WebSocketRunnerOptions = {}): Runner {
  const closeGraceMs = options.closeGraceMs ?? 1000
  return {
    kind: 'websocket',
    run(ctx) {
      return new Promise<RunResult>((resolve, reject) => {
        if (ctx.signal.aborted) return reject(abortReason(ctx.signal))
        const output = createOutputCollector(ctx.maxOutputBytes, ctx.onOutput)
        let messages = 0
        let pieces = 0
        let settled = false
        const meta = (): Record<string, unknown> => ({ messages })

        let ws: WebSocket
        try {
          ws = new WebSocket(config.url, { headers: config.headers, maxPayload: envelopeCap(ctx.maxOutputBytes) })
        } catch (error) {
          return reject(new RunnerError('failed', `Could not connect to ${config.url}: ${errorMessage(error)}`))
        }

        const done = (): void => {
          settled = true
          ctx.signal.removeEventListener('abort', onAbort)
        }
        const fail = (error: RunnerError): void => {
          if (settled) return
          done()
          // terminate() destroys the socket at once: nothing of the run goes on after this.
          ws.terminate()
          reject(error.partialOutput === undefined && output.bytes > 0 ? withPartial(error, output.text()) : error)
        }
        const succeed = (): void => {
          if (settled) return
          done()
          const result = { output: output.text(), meta: meta() }
          if (ws.readyState === WebSocket.CLOSED) return resolve(result)
          const timer = setTimeout(() => ws.terminate(), closeGraceMs)
          ws.once('close', () => {
            clearTimeout(timer)
            resolve(result)
          })
          if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'done')
        }
        const append = (text: string): boolean => {
          pieces++
          if (output.push(text)) return true
          fail(runnerError('output_too_large', tooLargeMessage(output), output.text(), meta()))
          return false
        }

        const onAbort = (): void => fail(withPartial(abortReason(ctx.signal), output.text(), meta()))
        ctx.signal.addEventListener('abort', onAbort, { once: true })

        ws.on('open', () => ws.send(JSON.stringify({ type: 'message', content: ctx.input })))

        ws.on('message', (data: WebSocket.RawData) => {
          if (settled) return
          messages++
          const text = rawText(data)
          const reply = parseReply(text)
          if (reply === undefined) {
            append(text)
            return
          }
          const content = typeof reply.content === 'string' ? reply.content : undefined
          if (reply.type === 'error') {
            const why = typeof reply.message === 'string' ? reply.message : (content ?? 'no message')
            fail(runnerError('failed', `The agent sent an error: ${why}`, output.text(), meta()))
          } else if (PIECE_TYPES.has(reply.type)) {
            if (content !== undefined) append(content)
          } else if (END_TYPES.has(reply.type)) {
            if (content === undefined || append(content)) succeed()
          }
        })

        ws.on('error', (error: Error) => {
          const code = errnoCode(error)
          if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
            fail(runnerError('output_too_large', `A message went over ${envelopeCap(ctx.maxOutputBytes)} bytes`, output.text(), meta()))
          } else if (code !== undefined && UNREACHABLE_CODES.has(code)) {
            fail(new RunnerError('unavailable', `Could not reach ${config.url}: ${code}`, { meta: { errno: code } }))
          } else {
            fail(runnerError('failed', `WebSocket error: ${error.message}`, output.text(), { ...meta(), ...(code ? { errno: code } : {}) }))
          }
        })

        ws.on('close', (code: number, reason: Buffer) => {
          if (settled) return
          if (NORMAL_CLOSE_CODES.has(code) && pieces > 0) return succeed()
          const why = reason.length > 0 ? ` (${reason.toString('utf8')})` : ''
          fail(runnerError('failed', `The server closed the socket with code ${code}${why} before the reply ended`, output.text(), { ...meta(), close_code: code }))
        })
      })
    },
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/** A JSON object with a string `type`, or undefined for anything else (which is then plain output). */
function parseReply(text: string): (Record<string, unknown> & { type: string }) | undefined {
  if (!text.trimStart().startsWith('{')) return undefined
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    const o = value as Record<string, unknown>
    return typeof o.type === 'string' ? (o as Record<string, unknown> & { type: string }) : undefined
  } catch {
    return undefined
  }
}
