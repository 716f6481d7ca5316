/**
 * The `http` runner: POSTs the input to a URL and reads the answer, in one of two formats.
 *
 * - `raw` (default): the body is `{"input": "<input>"}`. A JSON answer with a string `output`
 *   field gives that field; any other JSON answer is the output as it is; any other answer is read
 *   as text and streamed as it arrives.
 * - `openai-chat`: an OpenAI-compatible chat completion, `{model, messages: [{role: 'user',
 *   content: input}], stream: true}`. A `text/event-stream` answer is read event by event, every
 *   `choices[0].delta.content` streamed, until `data: [DONE]` or the end; a JSON answer (a server
 *   that does not stream) gives `choices[0].message.content`. `meta` keeps `model` and `usage`
 *   when the server sends them.
 *
 * A status outside 2xx fails with the status and the start of the body. Cancelling aborts the
 * request (the connection is closed); nothing is read beyond the output cap.
 */
import { createOutputCollector, tooLargeMessage } from '../output-collector.js'
import { abortReason, errnoCode, errorMessage, runnerError, UNREACHABLE_CODES, withPartial } from '../runner-errors.js'
import { envelopeCap } from '../runner-limits.js'
import { RunnerError, type Runner, type RunnerEnvironment } from '../runner.js'
import type { HttpRunnerConfig } from './http-config.js'
import { createSseParser, SseLineTooLongError, type SseEvent } from './sse.parser.js'

const ERROR_EXCERPT_BYTES = 4096
const ERROR_EXCERPT_CHARS = 300

export function createHttpRunner(config: HttpRunnerConfig, env: RunnerEnvironment): Runner {
  const format = config.format ?? 'raw'
  return {
    kind: 'http',
    async run(ctx) {
      // Our own stop, for ending the request early (cap, [DONE], an error) besides the run's signal.
      const stopper = new AbortController()
      const signal = AbortSignal.any([ctx.signal, stopper.signal])
      const output = createOutputCollector(ctx.maxOutputBytes, ctx.onOutput)
      const meta: Record<string, unknown> = {}
      const push = (text: string): void => {
        if (!output.push(text)) throw runnerError('output_too_large', tooLargeMessage(output), output.text(), meta)
      }

      try {
        const response = await post(config, format, ctx.input, signal)
        meta.status = response.status
        if (!response.ok) {
          const excerpt = await readText(response, ERROR_EXCERPT_BYTES, false)
          const shown = excerpt.replace(/\s+/g, ' ').trim().slice(0, ERROR_EXCERPT_CHARS)
          throw new RunnerError('failed', `HTTP ${response.status}${shown ? `: ${shown}` : ''}`, { meta })
        }
        const type = response.headers.get('content-type')?.toLowerCase() ?? ''
        const documentCap = envelopeCap(ctx.maxOutputBytes)

        if (format === 'openai-chat' && type.includes('text/event-stream')) {
          await readChatStream(response, documentCap, meta, push, env)
        } else if (format === 'openai-chat') {
          push(chatMessageContent(parseJson(await readText(response, documentCap, true), type), meta))
        } else if (type.includes('json')) {
          push(rawOutput(await readText(response, documentCap, true)))
        } else {
          for await (const chunk of textChunks(response)) push(chunk)
        }
        return { output: output.text(), meta }
      } catch (error) {
        if (ctx.signal.aborted) throw withPartial(abortReason(ctx.signal), output.text(), meta)
        if (error instanceof RunnerError) throw error.partialOutput === undefined && output.bytes > 0 ? withPartial(error, output.text()) : error
        throw runnerError('failed', `The response broke off: ${errorMessage(error)}`, output.text(), meta)
      } finally {
        // Closes the connection if the body was not read to its end; a no-op otherwise.
        stopper.abort()
      }
    },
  }
}

async function post(config: HttpRunnerConfig, format: 'raw' | 'openai-chat', input: string, signal: AbortSignal): Promise<Response> {
  const headers = new Headers({
    'content-type': 'application/json',
    accept: format === 'openai-chat' ? 'text/event-stream, application/json' : 'application/json, text/plain;q=0.9, */*;q=0.5',
  })
  for (const [name, value] of Object.entries(config.headers ?? {})) headers.set(name, value)
  const body =
    format === 'openai-chat'
      ? { ...(config.model !== undefined ? { model: config.model } : {}), messages: [{ role: 'user', content: input }], stream: true }
      : { input }
  try {
    return await fetch(config.url, { method: 'POST', headers, body: JSON.stringify(body), signal })
  } catch (error) {
    if (signal.aborted) throw error
    const code = errnoCode(error)
    const why = code ?? errorMessage(error)
    if (code !== undefined && UNREACHABLE_CODES.has(code)) throw new RunnerError('unavailable', `Could not reach ${config.url}: ${why}`, { meta: { errno: code } })
    throw new RunnerError('failed', `The request to ${config.url} failed: ${why}`, { meta: code ? { errno: code } : undefined })
  }
}

async function readChatStream(
  response: Response,
  maxLineChars: number,
  meta: Record<string, unknown>,
  push: (text: string) => void,
  env: RunnerEnvironment,
): Promise<void> {
  let done = false
  let skipped = 0
  const onEvent = ({ event, data }: SseEvent): void => {
    if (done) return
    if (data.trim() === '[DONE]') {
      done = true
      return
    }
    const chunk = parseJsonOrUndefined(data)
    if (event === 'error' || isObject(chunk?.error)) throw new RunnerError('failed', `The server sent an error: ${errorText(chunk?.error ?? data)}`, { meta })
    if (!chunk) {
      skipped++
      return
    }
    if (typeof chunk.model === 'string') meta.model = chunk.model
    if (isObject(chunk.usage)) meta.usage = chunk.usage
    const content = firstChoice(chunk)?.delta
    if (isObject(content) && typeof content.content === 'string') push(content.content)
  }
  const parser = createSseParser(onEvent, { maxLineChars })
  try {
    for await (const text of textChunks(response)) {
      parser.push(text)
      if (done) break
    }
    parser.end()
  } catch (error) {
    if (error instanceof SseLineTooLongError) throw new RunnerError('output_too_large', error.message, { meta })
    throw error
  }
  if (skipped > 0) env.log.warn({ skipped }, 'http runner: skipped event-stream data that was not JSON')
}

/** `choices[0].message.content` of a non-streamed chat completion (a string, or text parts). */
function chatMessageContent(body: unknown, meta: Record<string, unknown>): string {
  if (!isObject(body)) throw new RunnerError('failed', 'The server answered with something other than a chat completion', { meta })
  if (body.error !== undefined) throw new RunnerError('failed', `The server sent an error: ${errorText(body.error)}`, { meta })
  if (typeof body.model === 'string') meta.model = body.model
  if (isObject(body.usage)) meta.usage = body.usage
  const message = firstChoice(body)?.message
  const content = isObject(message) ? message.content : undefined
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content.map((part: unknown) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('')
  }
  throw new RunnerError('failed', 'The chat completion has no choices[0].message.content', { meta })
}

function rawOutput(text: string): string {
  const body = parseJsonOrUndefined(text)
  return body && typeof body.output === 'string' ? body.output : text
}

/** The decoded body, piece by piece as it arrives. */
async function* textChunks(response: Response): AsyncGenerator<string> {
  if (!response.body) return
  const decoder = new TextDecoder()
  for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(bytes, { stream: true })
    if (text !== '') yield text
  }
  const rest = decoder.decode()
  if (rest !== '') yield rest
}

/** The body as text, at most `maxBytes`; beyond that, `output_too_large` (`strict`) or cut. */
async function readText(response: Response, maxBytes: number, strict: boolean): Promise<string> {
  if (!response.body) return ''
  const decoder = new TextDecoder()
  let bytes = 0
  let text = ''
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    const room = maxBytes - bytes
    if (chunk.length > room) {
      if (strict) throw new RunnerError('output_too_large', `The response went over ${maxBytes} bytes`, { meta: { status: response.status } })
      return text + decoder.decode(chunk.subarray(0, room))
    }
    bytes += chunk.length
    text += decoder.decode(chunk, { stream: true })
  }
  return text + decoder.decode()
}

function firstChoice(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const choice: unknown = Array.isArray(body.choices) ? body.choices[0] : undefined
  return isObject(choice) ? choice : undefined
}

function errorText(error: unknown): string {
  if (isObject(error) && typeof error.message === 'string') return error.message
  return typeof error === 'string' ? error : JSON.stringify(error)
}

function parseJson(text: string, contentType: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new RunnerError('failed', `The server's answer is neither an event stream nor JSON (content-type: ${contentType || 'none'})`)
  }
}

function parseJsonOrUndefined(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
