/** `switchboard status` and `switchboard switches`: the fleet in a terminal. */
import WebSocket from 'ws'
import type { AgentModelStatusSummary, ModelHealth, ModelStatusesResponse, ModelSwitchesResponse } from '../shared/model-status.js'
import { WS_PATH, WS_SUBPROTOCOL, type ServerMessage } from '../shared/protocol.js'

const useColour = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: number, s: string): string => (useColour ? `\x1b[${code}m${s}\x1b[0m` : s)
const HEALTH_COLOUR: Record<ModelHealth, number> = { healthy: 32, error: 33, cooldown: 34, disabled: 31 }

export function ago(ts: number | null, now: number): string {
  if (ts === null) return '—'
  const s = Math.round((now - ts) / 1000)
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.round(s / 60)}m ago`
  if (s < 86400) return `${Math.round(s / 3600)}h ago`
  return `${Math.round(s / 86400)}d ago`
}

function until(ts: number | null, now: number): string {
  if (ts === null || ts <= now) return ''
  const s = Math.ceil((ts - now) / 1000)
  return s < 120 ? ` for ${s}s` : ` for ${Math.ceil(s / 60)}m`
}

export function formatFleet(agents: AgentModelStatusSummary[], now: number): string {
  if (agents.length === 0) return 'No agents found. Point the server at OpenClaw with --openclaw-dir <dir>.\n'
  const lines: string[] = []
  for (const a of agents) {
    const cur = a.currentModel
    const onFallback = cur && a.config.primary && cur.modelId !== a.config.primary
    lines.push(
      `${paint(1, a.agentName)} (${a.agentId})  on ${cur ? paint(1, cur.modelId) : '—'}${onFallback ? paint(33, '  [fallback]') : ''}  · last activity ${ago(a.lastActivityAt, now)}`,
    )
    for (const m of a.allModels) {
      const mark = m.role === 'primary' ? 'P' : m.role === 'fallback' ? 'F' : ' '
      const status = paint(HEALTH_COLOUR[m.status], m.status.padEnd(8))
      const inferred = m.statusSource === 'inferred' ? ' (inferred)' : ''
      const err = m.lastError ? `  last error ${m.lastError.type}${m.lastError.code ? ` ${m.lastError.code}` : ''} ${ago(m.lastError.timestamp, now)}` : ''
      lines.push(`   ${mark} ${m.modelId.padEnd(34)} ${status}${until(m.cooldownUntil ?? m.disabledUntil, now)}${inferred}${err}`)
    }
    const s = a.switchHistory[0]
    if (s) lines.push(`     last switch ${s.fromModel} → ${s.toModel} (${s.reason}) ${ago(s.timestamp, now)}`)
  }
  return `${lines.join('\n')}\n`
}

async function getJson<T>(url: string, token: string): Promise<{ ok: true; body: T } | { ok: false; message: string }> {
  let res: Response
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  } catch (err) {
    return { ok: false, message: `cannot reach ${new URL(url).origin}: ${err instanceof Error ? err.message : String(err)}` }
  }
  const text = await res.text()
  if (!res.ok) {
    let detail = text
    try {
      const e = JSON.parse(text) as { error?: { code?: string; message?: string } }
      detail = `${e.error?.code ?? res.status}: ${e.error?.message ?? ''}`
    } catch {
      // Not JSON: show it as it is.
    }
    return { ok: false, message: `${res.status} ${detail}` }
  }
  return { ok: true, body: JSON.parse(text) as T }
}

export async function runStatus(o: { url: string; token: string; json: boolean; watch: boolean }): Promise<number> {
  const base = o.url.replace(/\/$/, '')
  const first = await getJson<ModelStatusesResponse>(`${base}/api/agents/model-statuses`, o.token)
  if (!first.ok) {
    process.stderr.write(`switchboard: ${first.message}\n`)
    return 1
  }
  const agents = new Map(first.body.agents.map((a) => [a.agentId, a]))
  const print = (): void => {
    const list = [...agents.values()].sort((a, b) => a.agentId.localeCompare(b.agentId))
    if (o.json) process.stdout.write(`${JSON.stringify({ agents: list }, null, 2)}\n`)
    else process.stdout.write((o.watch && process.stdout.isTTY ? '\x1b[2J\x1b[H' : '') + formatFleet(list, Date.now()))
  }
  print()
  if (!o.watch) return 0
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${WS_PATH}`, [WS_SUBPROTOCOL], {
      headers: { authorization: `Bearer ${o.token}` },
    })
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: ['agents'] })))
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as ServerMessage
      if (msg.type === 'agent_update') {
        agents.set(msg.data.agent.agentId, msg.data.agent)
        print()
      } else if (msg.type === 'agent_removed') {
        agents.delete(msg.data.agentId)
        print()
      }
    })
    ws.on('close', (code) => {
      process.stderr.write(`switchboard: connection closed (${code})\n`)
      resolve(1)
    })
    ws.on('error', (err) => process.stderr.write(`switchboard: ${err.message}\n`))
  })
}

export async function runSwitches(o: { url: string; token: string; agentId: string; limit: string; json: boolean }): Promise<number> {
  const base = o.url.replace(/\/$/, '')
  const r = await getJson<ModelSwitchesResponse>(
    `${base}/api/agents/${encodeURIComponent(o.agentId)}/model-switches?limit=${encodeURIComponent(o.limit)}`,
    o.token,
  )
  if (!r.ok) {
    process.stderr.write(`switchboard: ${r.message}\n`)
    return 1
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify(r.body, null, 2)}\n`)
    return 0
  }
  const now = Date.now()
  process.stdout.write(`${r.body.agentName} (${r.body.agentId}): ${r.body.total} switches\n`)
  for (const s of r.body.switches) {
    const when = new Date(s.timestamp).toISOString().replace('T', ' ').slice(0, 19)
    process.stdout.write(`  ${when}Z  ${s.fromModel} → ${s.toModel}  ${s.reason}${s.httpStatus ? ` (${s.httpStatus})` : ''}  ${ago(s.timestamp, now)}\n`)
  }
  return 0
}
