/**
 * `switchboard agent`: this host's heartbeat (seed 003) — CPU, memory and running tasks, every
 * `--interval` seconds, until SIGINT/SIGTERM, when it says `offline` and exits. `--once` pings once
 * and exits 0 when the server accepted it, 1 otherwise.
 */
import { readFileSync, statSync } from 'node:fs'
import {
  createAgentClient,
  createAgentReporter,
  createCommandTaskSource,
  createFileTaskSource,
  createHostSampler,
  type AgentClient,
  type HostSampler,
  type ReporterEvent,
  type TaskSource,
} from '../agent-client/index.js'
import { HOST_ID_PATTERN } from '../shared/agent-hosts.js'
import { processIo, type CliIo } from './agents.command.js'

export type AgentStatusMode = 'auto' | 'busy' | 'idle'

export interface AgentCommandOptions {
  url: string
  agentId: string
  appKey: string
  /** Exactly one of `appSecret` and `appSecretFile`. */
  appSecret?: string
  appSecretFile?: string
  /** Whether `appSecret` came from the command line (visible in `ps`), to warn about it. */
  appSecretFromArgv?: boolean
  intervalSec: number
  tasksFile?: string
  tasksCommand?: string
  /** Seconds the tasks command may run. Default is 5. */
  tasksTimeoutSec?: number
  status: AgentStatusMode
  once: boolean
  /** Per ping, in milliseconds. Default is the client's (10000). */
  timeoutMs?: number
  io?: CliIo
  /** Default is the host. */
  sampler?: HostSampler
  /** Resolves when the loop should stop. Default is the first SIGINT or SIGTERM. */
  stopSignal?: Promise<string>
}

/** Thrown for options that cannot work; `main` prints it and exits 1. */
export class AgentConfigError extends Error {}

/** The secret from the flag/env or from its file (one trailing newline or spaces dropped). */
export function resolveAppSecret(o: Pick<AgentCommandOptions, 'appSecret' | 'appSecretFile'>, io: CliIo = processIo): string {
  if (o.appSecret !== undefined && o.appSecretFile !== undefined) {
    throw new AgentConfigError('give either --app-secret or --app-secret-file, not both')
  }
  if (o.appSecretFile !== undefined) {
    let text: string
    try {
      text = readFileSync(o.appSecretFile, 'utf8')
    } catch (err) {
      throw new AgentConfigError(`cannot read the app secret file ${o.appSecretFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    const secret = text.trim()
    if (secret === '') throw new AgentConfigError(`the app secret file ${o.appSecretFile} is empty`)
    if (process.platform !== 'win32' && (statSync(o.appSecretFile).mode & 0o077) !== 0) {
      io.err(`warning: ${o.appSecretFile} can be read by other users; chmod 600 it\n`)
    }
    return secret
  }
  if (o.appSecret === undefined || o.appSecret === '') {
    throw new AgentConfigError('the app secret is missing: give --app-secret-file <file> (or SWITCHBOARD_APP_SECRET_FILE, or SWITCHBOARD_APP_SECRET)')
  }
  return o.appSecret
}

function tasksFrom(o: AgentCommandOptions): TaskSource | undefined {
  if (o.tasksFile !== undefined && o.tasksCommand !== undefined) throw new AgentConfigError('give either --tasks-file or --tasks-command, not both')
  if (o.tasksFile !== undefined) return createFileTaskSource(o.tasksFile)
  if (o.tasksCommand !== undefined) return createCommandTaskSource(o.tasksCommand, { timeoutMs: (o.tasksTimeoutSec ?? 5) * 1000 })
  return undefined
}

const stamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Good news goes to stdout, trouble to stderr; each line with a time, for logs that have none. */
const STDOUT_EVENTS: ReadonlySet<ReporterEvent['type']> = new Set(['connected', 'offline_sent'])

export async function runAgent(o: AgentCommandOptions): Promise<number> {
  const io = o.io ?? processIo
  if (!HOST_ID_PATTERN.test(o.agentId)) {
    throw new AgentConfigError(`--agent-id must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit (got "${o.agentId}")`)
  }
  if (o.appKey === '') throw new AgentConfigError('the app key is missing: give --app-key (or SWITCHBOARD_APP_KEY)')
  const appSecret = resolveAppSecret(o, io)
  if (o.appSecretFromArgv) {
    io.err('warning: --app-secret on the command line is visible to other users (ps); prefer --app-secret-file or SWITCHBOARD_APP_SECRET\n')
  }
  const tasks = tasksFrom(o)
  let client: AgentClient
  try {
    client = createAgentClient({ url: o.url, agentId: o.agentId, appKey: o.appKey, appSecret, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) })
  } catch (err) {
    throw new AgentConfigError(err instanceof Error ? err.message : String(err))
  }
  const reporter = createAgentReporter({
    client,
    sampler: o.sampler ?? createHostSampler(),
    ...(tasks ? { tasks } : {}),
    intervalSec: o.intervalSec,
    status: o.status,
    log: (line, event) => (STDOUT_EVENTS.has(event.type) ? io.out : io.err)(`${stamp()} ${line}\n`),
  })

  if (o.once) {
    const outcome = await reporter.pingOnce()
    if (!outcome.ok) {
      io.err(`switchboard: ping of ${o.agentId} to ${client.url} failed: ${outcome.error.message}\n`)
      return 1
    }
    const b = outcome.body
    io.out(
      `ping accepted: ${o.agentId} ${b.status}, cpu ${b.cpu_usage} %, memory ${b.memory_usage} %, ${b.running_tasks.length} task(s)` +
        ` (shown offline after ${outcome.response.offline_after_sec}s without a ping)\n`,
    )
    return 0
  }

  io.out(`${stamp()} switchboard agent ${o.agentId} → ${client.url}, every ${o.intervalSec}s${tasks ? `, tasks from ${tasks.description}` : ''}\n`)
  reporter.start()
  const signal = await (o.stopSignal ?? firstSignal())
  io.out(`${stamp()} ${signal}: stopping…\n`)
  await reporter.stop()
  return 0
}

/** The first SIGINT or SIGTERM; a second one exits at once. */
function firstSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', on)
      process.removeListener('SIGTERM', on)
      const again = (): never => process.exit(130)
      process.once('SIGINT', again)
      process.once('SIGTERM', again)
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}
