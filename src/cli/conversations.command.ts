/**
 * `switchboard conversations [list] …` and `switchboard conversations show <id>`: every agent
 * session with its seed 001 status, and one session's turns (which model answered each, what
 * failed before it) and task list.
 */
import type { ConversationDetail, ConversationsPage } from '../shared/conversations.js'
import { processIo, table, type CliIo } from './agents.command.js'
import { createOperatorCall, OperatorApiError } from './operator-api.js'
import { ago } from './status.command.js'

export interface ConversationsContext {
  url: string
  token: string
  json: boolean
  io?: CliIo
  now?: number
}

export interface ListOptions {
  agent?: string
  status?: string
  q?: string
  limit?: number
}

const ts = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso))
const money = (usd: number): string => (usd === 0 ? '—' : `$${usd.toFixed(usd < 0.01 ? 4 : 2)}`)

export function formatConversations(page: ConversationsPage, now: number): string {
  if (page.conversations.length === 0) return 'No conversations match.\n'
  const rows = [['STATUS', 'AGENT', 'TITLE', 'MODEL', 'MSGS', 'COST', 'ACTIVE', 'ID']]
  for (const c of page.conversations) {
    const status = c.runtime_status && c.runtime_status !== c.status && c.runtime_status !== 'IDLE' ? `${c.status} (${c.runtime_status})` : c.status
    const title = c.title.replace(/\s+/g, ' ')
    rows.push([
      status,
      c.agent_id,
      title.length > 40 ? `${title.slice(0, 39)}…` : title,
      c.current_model ?? '—',
      c.message_count === null ? '—' : String(c.message_count),
      money(c.cost_usd),
      ago(ts(c.last_activity_at ?? c.updated_at), now),
      c.conversation_id,
    ])
  }
  return table(rows) + (page.next_cursor ? '… more: narrow with --agent, --status or --search, or raise --limit\n' : '')
}

export function formatConversation(c: ConversationDetail, now: number): string {
  const lines = [
    `${c.title.replace(/\s+/g, ' ')}`,
    `  ${c.status}${c.runtime_status ? ` / ${c.runtime_status}` : ''} — ${c.status_reason}${c.status_inferred ? ' (inferred)' : ''}`,
    `  agent ${c.agent_id} · ${c.source}${c.session_key ? ` · ${c.session_key}` : ''} · id ${c.conversation_id}`,
    `  model ${c.current_model ?? '—'} · ${c.message_count ?? '—'} messages · ${c.tokens.total} tokens · ${money(c.cost_usd)} · active ${ago(ts(c.last_activity_at ?? c.updated_at), now)}`,
  ]
  if (c.runs.length > 0) {
    lines.push('', '  turns:')
    c.runs.forEach((r, i) => {
      const chain = r.models_tried.map((m) => (m === r.answered_by ? `${m} ✓` : `${m} ✗`)).join(' → ') || '—'
      const why = r.last_error ? `  [${r.last_error.reason}${r.last_error.http_status ? ` ${r.last_error.http_status}` : ''}]` : ''
      const outcome = r.outcome ?? 'in progress'
      lines.push(`  ${String(i + 1).padStart(3)}. ${r.started_at}  ${outcome.padEnd(11)} ${chain}${why}  ${r.tokens} tok ${money(r.cost_usd)}`)
    })
  }
  if (c.tasks.length > 0) {
    lines.push('', '  tasks:')
    const mark = { todo: '[ ]', in_progress: '[~]', done: '[x]' } as const
    for (const t of c.tasks) lines.push(`    ${mark[t.status]} ${t.title}${t.notes ? ` — ${t.notes}` : ''}`)
  }
  return `${lines.join('\n')}\n`
}

async function guarded(ctx: ConversationsContext, fn: (io: CliIo) => Promise<void>): Promise<number> {
  const io = ctx.io ?? processIo
  try {
    await fn(io)
    return 0
  } catch (err) {
    if (err instanceof OperatorApiError) {
      io.err(`switchboard: ${err.message}\n`)
      return 1
    }
    throw err
  }
}

export function runConversationsList(ctx: ConversationsContext, o: ListOptions): Promise<number> {
  return guarded(ctx, async (io) => {
    const q = new URLSearchParams()
    if (o.agent) q.set('agent', o.agent)
    if (o.status) q.set('status', o.status.toUpperCase())
    if (o.q) q.set('q', o.q)
    q.set('limit', String(o.limit ?? 50))
    const page = await createOperatorCall(ctx)<ConversationsPage>('GET', `/api/conversations?${q.toString()}`)
    io.out(ctx.json ? `${JSON.stringify(page, null, 2)}\n` : formatConversations(page, ctx.now ?? Date.now()))
  })
}

export function runConversationsShow(ctx: ConversationsContext, id: string): Promise<number> {
  return guarded(ctx, async (io) => {
    const c = await createOperatorCall(ctx)<ConversationDetail>('GET', `/api/conversations/${encodeURIComponent(id)}`)
    io.out(ctx.json ? `${JSON.stringify(c, null, 2)}\n` : formatConversation(c, ctx.now ?? Date.now()))
  })
}
