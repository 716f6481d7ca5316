/**
 * `switchboard test <agentId> <input…>`: starts an agent test (seed 002) and, with `--wait`,
 * follows it live on the WebSocket until it ends, printing its output as it comes.
 */
import WebSocket from 'ws'
import { isFinal, type Execution } from '../shared/executions.js'
import { WS_PATH, WS_SUBPROTOCOL, type ServerMessage } from '../shared/protocol.js'

export interface TestCommandOptions {
  url: string
  token: string
  agentId: string
  input: string
  wait: boolean
  json: boolean
  out?: NodeJS.WritableStream
  err?: NodeJS.WritableStream
}

async function api<T>(o: TestCommandOptions, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${o.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${o.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const payload = (await res.json()) as T & { error?: { code: string; message: string } }
  if (!res.ok) throw new Error(`${payload.error?.code ?? res.status}: ${payload.error?.message ?? ''}`)
  return payload
}

/** Exit code: 0 when the test succeeded (or was only started), 1 otherwise. */
export async function runTest(o: TestCommandOptions): Promise<number> {
  const out = o.out ?? process.stdout
  const err = o.err ?? process.stderr
  let started: Execution
  try {
    started = await api<Execution>(o, 'POST', `/api/agents/${encodeURIComponent(o.agentId)}/test`, { test_input: o.input })
  } catch (e) {
    err.write(`switchboard test: ${e instanceof Error ? e.message : String(e)}\n`)
    return 1
  }
  if (!o.wait) {
    out.write(o.json ? `${JSON.stringify(started)}\n` : `execution ${started.id} ${started.status}\n`)
    return 0
  }
  // Subscribe first, then read the row: an end that happened in between is in the row.
  const ws = new WebSocket(`${o.url.replace(/^http/, 'ws')}${WS_PATH}?topics=executions`, [WS_SUBPROTOCOL], {
    headers: { authorization: `Bearer ${o.token}` },
  })
  const final = await new Promise<Execution>((resolve, reject) => {
    const settle = (): void => {
      api<Execution>(o, 'GET', `/api/executions/${started.id}`).then((e) => {
        if (isFinal(e.status)) resolve(e)
      }, reject)
    }
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as ServerMessage
      if (m.type === 'subscribed') settle()
      if (m.type !== 'execution_update' || m.data.id !== started.id) return
      if (m.data.output_chunk && !o.json) out.write(m.data.output_chunk)
      if (isFinal(m.data.status)) settle()
    })
    ws.on('error', reject)
  }).finally(() => ws.close())
  if (o.json) out.write(`${JSON.stringify(final)}\n`)
  else {
    if (final.test_output && !final.test_output.endsWith('\n')) out.write('\n')
    out.write(`execution ${final.id} ${final.status}${final.error_message ? `: ${final.error_message}` : ''}\n`)
  }
  return final.status === 'succeeded' ? 0 : 1
}
