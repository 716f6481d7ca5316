/**
 * `switchboard agents …`: register agent hosts and manage their credentials through the operator
 * API. A secret is shown once, when it is issued; the server keeps only its hash.
 */
import { chmodSync, writeFileSync } from 'node:fs'
import type { CreateHostAgentRequest, HostAgent, IssuedCredential, PoolSummary, UpdateHostAgentRequest } from '../shared/agent-hosts.js'
import { OperatorApiError, type HostAgentsClient } from './host-agents.client.js'
import { ago } from './status.command.js'

export interface CliIo {
  out(text: string): void
  err(text: string): void
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
}

export interface AgentsContext {
  api: HostAgentsClient
  /** The server URL, for the `switchboard agent …` line printed with a new credential. */
  url: string
  json: boolean
  io?: CliIo
}

export interface IssueOptions {
  /** Write the secret to this file (mode 0600) instead of printing it. */
  secretFile?: string
}

/** Runs one subcommand: 0 when it did what was asked, 1 with a message on stderr otherwise. */
async function guarded(ctx: AgentsContext, fn: (io: CliIo) => Promise<void>): Promise<number> {
  const io = ctx.io ?? processIo
  try {
    await fn(io)
    return 0
  } catch (err) {
    if (err instanceof OperatorApiError || err instanceof UsageError) {
      io.err(`switchboard: ${err.message}\n`)
      return 1
    }
    throw err
  }
}

class UsageError extends Error {}

const printJson = (io: CliIo, value: unknown): void => io.out(`${JSON.stringify(value, null, 2)}\n`)

export function formatAgents(agents: HostAgent[], now: number): string {
  if (agents.length === 0) return 'No agent hosts registered. Add one with: switchboard agents create <id> [--pool <pool>]\n'
  const rows = [['AGENT', 'NAME', 'POOL', 'STATE', 'LAST PING', 'KEYS', 'TAGS']]
  for (const a of [...agents].sort((x, y) => x.pool_id.localeCompare(y.pool_id) || x.agent_id.localeCompare(y.agent_id))) {
    rows.push([
      a.agent_id,
      a.agent_name,
      a.pool_id,
      a.online ? 'online' : 'offline',
      a.last_seen_at === null ? 'never' : ago(a.last_seen_at, now),
      String(a.credentials.length),
      a.tags.join(',') || '—',
    ])
  }
  return table(rows)
}

export function formatPools(pools: PoolSummary[]): string {
  if (pools.length === 0) return 'No pools yet: a pool exists while an agent is registered in it.\n'
  const pct = (v: number | null): string => (v === null ? '—' : `${v.toFixed(1)} %`)
  const rows = [['POOL', 'AGENTS', 'ONLINE', 'OFFLINE', 'TASKS', 'AVG CPU', 'AVG MEM']]
  for (const p of pools) {
    rows.push([p.pool_id, String(p.agents), String(p.online), String(p.offline), String(p.running_tasks), pct(p.avg_cpu), pct(p.avg_memory)])
  }
  return table(rows)
}

function formatAgent(a: HostAgent, now: number): string {
  const lines = [
    `${a.agent_name} (${a.agent_id})`,
    `  pool:      ${a.pool_id}`,
    `  tags:      ${a.tags.join(', ') || '—'}`,
    `  state:     ${a.online ? 'online' : 'offline'}, last ping ${a.last_seen_at === null ? 'never' : ago(a.last_seen_at, now)}`,
    `  created:   ${new Date(a.created_at).toISOString()}`,
    `  app keys:  ${a.credentials.length === 0 ? 'none (add one with: switchboard agents add-key ' + a.agent_id + ')' : ''}`,
    ...a.credentials.map(
      (c) => `    ${c.app_key}  created ${new Date(c.created_at).toISOString()}, last used ${c.last_used_at === null ? 'never' : ago(c.last_used_at, now)}`,
    ),
  ]
  return `${lines.join('\n')}\n`
}

/** Terminal columns of a text: CJK and full-width characters take two (agent names are often Chinese). */
export function displayWidth(text: string): number {
  let w = 0
  for (const ch of text) {
    const c = ch.codePointAt(0)!
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1faff) ||
      (c >= 0x20000 && c <= 0x3fffd)
    w += wide ? 2 : 1
  }
  return w
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ''))))
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - displayWidth(c)))).join('  ')
  return `${rows.map(line).join('\n')}\n`
}

/** A new credential as `--json` prints it: without the secret when it went to a file. */
function issuedJson(cred: IssuedCredential, options: IssueOptions): unknown {
  if (!options.secretFile) return cred
  const { app_secret: _secret, ...rest } = cred
  return { ...rest, app_secret_file: options.secretFile }
}

/**
 * What is printed with a new secret: the key, the secret (or where it went), and how to start the
 * agent. `json` is what `--json` prints instead.
 */
function printIssued(ctx: AgentsContext, io: CliIo, cred: IssuedCredential, headline: string, options: IssueOptions, json: unknown): void {
  if (options.secretFile) writeSecretFile(options.secretFile, cred.app_secret)
  if (ctx.json) {
    printJson(io, json)
    if (!options.secretFile) io.err('note: the app_secret above is shown once; the server keeps only its hash.\n')
    return
  }
  const secretFile = options.secretFile ?? `${cred.agent_id}.secret`
  io.out(
    `${headline}\n\n` +
      `  app key:    ${cred.app_key}\n` +
      (options.secretFile
        ? `  app secret: written to ${options.secretFile} (mode 0600)\n\n`
        : `  app secret: ${cred.app_secret}\n\n` +
          `The secret is shown once and cannot be shown again: Switchboard keeps only its hash.\n` +
          `Store it now, in a file only the agent's user can read (e.g. ${secretFile}, chmod 600).\n\n`) +
      `Start the agent with:\n` +
      `  switchboard agent --url ${ctx.url} --agent-id ${cred.agent_id} --app-key ${cred.app_key} --app-secret-file ${secretFile}\n`,
  )
}

function writeSecretFile(file: string, secret: string): void {
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  // The mode above applies only to a new file; an old one keeps its own until told.
  chmodSync(file, 0o600)
}

export function runAgentsList(ctx: AgentsContext): Promise<number> {
  return guarded(ctx, async (io) => {
    const { agents } = await ctx.api.list()
    if (ctx.json) printJson(io, { agents })
    else io.out(formatAgents(agents, Date.now()))
  })
}

export function runAgentsShow(ctx: AgentsContext, agentId: string): Promise<number> {
  return guarded(ctx, async (io) => {
    const agent = await ctx.api.get(agentId)
    if (ctx.json) printJson(io, agent)
    else io.out(formatAgent(agent, Date.now()))
  })
}

export function runAgentsPools(ctx: AgentsContext): Promise<number> {
  return guarded(ctx, async (io) => {
    const { pools } = await ctx.api.pools()
    if (ctx.json) printJson(io, { pools })
    else io.out(formatPools(pools))
  })
}

export function runAgentsCreate(ctx: AgentsContext, request: CreateHostAgentRequest, options: IssueOptions = {}): Promise<number> {
  return guarded(ctx, async (io) => {
    const created = await ctx.api.create(request)
    const { agent, credential } = created
    const headline = `Registered agent ${agent.agent_id} ("${agent.agent_name}") in pool ${agent.pool_id}.`
    printIssued(ctx, io, credential, headline, options, { agent, credential: issuedJson(credential, options) })
  })
}

export function runAgentsUpdate(ctx: AgentsContext, agentId: string, request: UpdateHostAgentRequest): Promise<number> {
  return guarded(ctx, async (io) => {
    if (Object.keys(request).length === 0) throw new UsageError('nothing to change: give --name, --pool or --tag')
    const agent = await ctx.api.update(agentId, request)
    if (ctx.json) printJson(io, agent)
    else io.out(formatAgent(agent, Date.now()))
  })
}

export function runAgentsAddKey(ctx: AgentsContext, agentId: string, options: IssueOptions = {}): Promise<number> {
  return guarded(ctx, async (io) => {
    const cred = await ctx.api.addCredential(agentId)
    printIssued(ctx, io, cred, `Added an app key to agent ${agentId} (its other keys still work).`, options, issuedJson(cred, options))
  })
}

/** Without `appKey`, rotates the agent's only key (and refuses to guess between several). */
export function runAgentsRotate(ctx: AgentsContext, agentId: string, appKey: string | undefined, options: IssueOptions = {}): Promise<number> {
  return guarded(ctx, async (io) => {
    let key = appKey
    if (key === undefined) {
      const { credentials } = await ctx.api.get(agentId)
      if (credentials.length === 0) throw new UsageError(`agent ${agentId} has no app key to rotate; add one with: switchboard agents add-key ${agentId}`)
      if (credentials.length > 1) {
        throw new UsageError(`agent ${agentId} has ${credentials.length} app keys; name the one to rotate: ${credentials.map((c) => c.app_key).join(', ')}`)
      }
      key = credentials[0]!.app_key
    }
    const cred = await ctx.api.rotateCredential(agentId, key)
    printIssued(ctx, io, cred, `Rotated app key ${key} of agent ${agentId}: the old key no longer works.`, options, issuedJson(cred, options))
  })
}

export function runAgentsRevoke(ctx: AgentsContext, agentId: string, appKey: string): Promise<number> {
  return guarded(ctx, async (io) => {
    await ctx.api.revokeCredential(agentId, appKey)
    if (ctx.json) printJson(io, { agent_id: agentId, app_key: appKey, revoked: true })
    else io.out(`Revoked app key ${appKey} of agent ${agentId}.\n`)
  })
}

export function runAgentsDelete(ctx: AgentsContext, agentId: string): Promise<number> {
  return guarded(ctx, async (io) => {
    await ctx.api.remove(agentId)
    if (ctx.json) printJson(io, { agent_id: agentId, deleted: true })
    else io.out(`Deleted agent ${agentId} and its app keys.\n`)
  })
}
