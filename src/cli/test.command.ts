/**
 * `switchboard test <agentId> <input…>`: starts an agent test (seed 002) and, with `--wait`,
 * follows it live on the WebSocket until it ends, printing its output as it comes.
 */
import WebSocket from 'ws'
import { isFinal, type Execution, type ExecutionUpdateData } from '../shared/executions.js'
import { WS_PATH, WS_SUBPROTOCOL, type ServerMessage } from '../shared/protocol.js'
import { createOperatorCall } from './operator-api.js'

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

/**
 * Follows an execution on the WebSocket until it ends and resolves with its final row. `onUpdate`
 * sees every push about it (live output comes in `output_chunk`).
 */
export async function followExecution(
  o: { url: string; token: string },
  id: number,
  onUpdate: (u: ExecutionUpdateData) => void,
): Promise<Execution> {
  const call = createOperatorCall(o)
  // Subscribe first, then read the row: an end that happened in between is in the row.
  const ws = new WebSocket(`${o.url.replace(/^http/, 'ws')}${WS_PATH}?topics=executions`, [WS_SUBPROTOCOL], {
    headers: { authorization: `Bearer ${o.token}` },
  })
  return new Promise<Execution>((resolve, reject) => {
    const settle = (): void => {
      call<Execution>('GET', `/api/executions/${id}`).then((e) => {
        if (isFinal(e.status)) resolve(e)
      }, reject)
    }
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as ServerMessage
      if (m.type === 'subscribed') settle()
      if (m.type !== 'execution_update' || m.data.id !== id) return
      onUpdate(m.data)
      if (isFinal(m.data.status)) settle()
    })
    ws.on('error', reject)
  }).finally(() => ws.close())
}

/** Exit code: 0 when the test succeeded (or was only started), 1 otherwise. */
export async function runTest(o: TestCommandOptions): Promise<number> {
  const out = o.out ?? process.stdout
  const err = o.err ?? process.stderr
  const call = createOperatorCall(o)
  let started: Execution
  try {
    started = await call<Execution>('POST', `/api/agents/${encodeURIComponent(o.agentId)}/test`, { test_input: o.input })
  } catch (e) {
    err.write(`switchboard test: ${e instanceof Error ? e.message : String(e)}\n`)
    return 1
  }
  if (!o.wait) {
    out.write(o.json ? `${JSON.stringify(started)}\n` : `execution ${started.id} ${started.status}\n`)
    return 0
  }
  const final = await followExecution(o, started.id, (u) => {
    if (u.output_chunk && !o.json) out.write(u.output_chunk)
  })
  if (o.json) out.write(`${JSON.stringify(final)}\n`)
  else {
    if (final.test_output && !final.test_output.endsWith('\n')) out.write('\n')
    out.write(`execution ${final.id} ${final.status}${final.error_message ? `: ${final.error_message}` : ''}\n`)
  }
  return final.status === 'succeeded' ? 0 : 1
}
