/**
 * `switchboard` — serve the control room, or ask a running one what its agents are on.
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { packageVersion, startServer } from '../server/server.js'
import { resolveToken } from '../server/auth/token.js'
import { runStatus, runSwitches } from './status.command.js'
import { runTest } from './test.command.js'
import { runAgent, type AgentStatusMode } from './agent.command.js'
import { createServeStop } from './serve-stop.js'
import {
  runAgentsAddKey,
  runAgentsCreate,
  runAgentsDelete,
  runAgentsList,
  runAgentsPools,
  runAgentsRevoke,
  runAgentsRotate,
  runAgentsShow,
  runAgentsUpdate,
  type AgentsContext,
} from './agents.command.js'
import { createHostAgentsClient } from './host-agents.client.js'
import { runConversationsList, runConversationsShow } from './conversations.command.js'
import {
  runWorkflowsCreate,
  runWorkflowsDelete,
  runWorkflowsList,
  runWorkflowsRun,
  runWorkflowsShow,
  runWorkflowsUpdate,
  type DefinitionOptions,
  type WorkflowsContext,
} from './workflows.command.js'

function parsePort(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0–65535')
  return n
}

function parseCount(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0')
  return n
}

function parsePositive(v: string): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0')
  return n
}

function parseIntervalSec(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new InvalidArgumentError('must be a whole number of seconds 1–3600')
  return n
}

function parseStepNumber(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a step number ≥ 1')
  return n
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]

function defaultDataDir(): string {
  return process.env.SWITCHBOARD_DATA_DIR ?? path.join(os.homedir(), '.switchboard')
}

function envList(name: string): string[] | undefined {
  const v = process.env[name]
  return v ? v.split(path.delimiter).filter(Boolean) : undefined
}

export function createProgram(): Command {
  const program = new Command('switchboard').description('Real-time control room for fleets of AI agents').version(packageVersion())

  program
    .command('serve')
    .description('Serve the dashboard, the API and the WebSocket push')
    .addOption(new Option('--host <host>', 'interface to listen on').env('SWITCHBOARD_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port (0 = any free port)').env('SWITCHBOARD_PORT').argParser(parsePort).default(7420))
    .addOption(new Option('--data-dir <dir>', 'where the database and the token live').env('SWITCHBOARD_DATA_DIR'))
    .option('--openclaw-dir <dir>', 'an OpenClaw state dir (repeatable; env SWITCHBOARD_OPENCLAW_DIRS, path-list)', collect)
    .option('--openclaw-log <file>', "an OpenClaw JSONL log file to read (repeatable; env SWITCHBOARD_OPENCLAW_LOGS)", collect)
    .addOption(new Option('--token <token>', 'API token (default: generated and kept in <data-dir>/token)').env('SWITCHBOARD_TOKEN'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL (default: embedded SQLite)').env('DATABASE_URL'))
    .option('--allowed-origin <origin>', 'extra Origin allowed to open WebSockets (repeatable)', collect)
    .addOption(new Option('--log-level <level>', 'pino log level').env('SWITCHBOARD_LOG_LEVEL').default('info'))
    .option('--no-watch', 'read once, do not watch for changes')
    .addOption(new Option('--parse-workers <n>', 'worker threads for large transcript reads and first reads of agent databases (0 = none)').env('SWITCHBOARD_PARSE_WORKERS').argParser(parseCount))
    .addOption(
      new Option('--parse-worker-threshold <bytes>', 'unread bytes of a transcript (or size of an agent database never read) from which a worker reads it')
        .env('SWITCHBOARD_PARSE_WORKER_THRESHOLD')
        .argParser(parseCount)
        .hideHelp(),
    )
    .addOption(
      new Option('--heartbeat-interval <sec>', 'ping interval assumed for agents that do not send interval_sec')
        .env('SWITCHBOARD_HEARTBEAT_INTERVAL')
        .argParser(parsePositive),
    )
    .addOption(
      new Option('--offline-after-missed <n>', 'missed heartbeat intervals after which an agent is offline (5 minutes at most)')
        .env('SWITCHBOARD_OFFLINE_AFTER_MISSED')
        .argParser(parsePositive),
    )
    .addOption(
      new Option('--ping-rate-limit <perSec>', 'sustained pings per second allowed per agent before 429')
        .env('SWITCHBOARD_PING_RATE_LIMIT')
        .argParser(parsePositive),
    )
    .addOption(new Option('--ping-burst <n>', 'pings allowed at once per agent').env('SWITCHBOARD_PING_BURST').argParser(parsePositive))
    .addOption(
      new Option('--max-running-executions <n>', 'agent tests and workflow runs at once; the rest wait as pending')
        .env('SWITCHBOARD_MAX_RUNNING_EXECUTIONS')
        .argParser(parsePositive),
    )
    .addOption(
      new Option('--execution-retention-days <days>', 'delete finished executions this many days after they ended')
        .env('SWITCHBOARD_EXECUTION_RETENTION_DAYS')
        .argParser(parsePositive),
    )
    .addOption(new Option('--openhands-url <url>', "an OpenHands server whose conversations are shown beside OpenClaw's").env('SWITCHBOARD_OPENHANDS_URL'))
    .option('--openhands-api-key-file <file>', 'file holding its API key (or env SWITCHBOARD_OPENHANDS_API_KEY; never on the command line)')
    .addOption(new Option('--openhands-name <name>', 'agent name its conversations are listed under').env('SWITCHBOARD_OPENHANDS_NAME').default('openhands'))
    .action(async (opts: {
      host: string
      port: number
      openhandsUrl?: string
      openhandsApiKeyFile?: string
      openhandsName: string
      dataDir?: string
      openclawDir?: string[]
      openclawLog?: string[]
      token?: string
      databaseUrl?: string
      allowedOrigin?: string[]
      logLevel: string
      watch: boolean
      parseWorkers?: number
      parseWorkerThreshold?: number
      heartbeatInterval?: number
      offlineAfterMissed?: number
      pingRateLimit?: number
      pingBurst?: number
      maxRunningExecutions?: number
      executionRetentionDays?: number
    }) => {
      let openhandsKey: string | null = process.env.SWITCHBOARD_OPENHANDS_API_KEY ?? null
      if (opts.openhandsApiKeyFile) openhandsKey = readFileSync(opts.openhandsApiKeyFile, 'utf8').trim()
      const server = await startServer({
        host: opts.host,
        port: opts.port,
        dataDir: path.resolve(opts.dataDir ?? defaultDataDir()),
        openclawDirs: (opts.openclawDir ?? envList('SWITCHBOARD_OPENCLAW_DIRS') ?? []).map((d) => path.resolve(d)),
        openclawLogFiles: (opts.openclawLog ?? envList('SWITCHBOARD_OPENCLAW_LOGS') ?? []).map((f) => path.resolve(f)),
        token: opts.token,
        databaseUrl: opts.databaseUrl,
        allowedOrigins: opts.allowedOrigin,
        logLevel: opts.logLevel,
        watch: opts.watch,
        ...(opts.parseWorkers !== undefined ? { parseWorkers: opts.parseWorkers } : {}),
        ...(opts.parseWorkerThreshold !== undefined ? { parseWorkerThreshold: opts.parseWorkerThreshold } : {}),
        heartbeat: {
          ...(opts.heartbeatInterval !== undefined ? { intervalSec: opts.heartbeatInterval } : {}),
          ...(opts.offlineAfterMissed !== undefined ? { missedIntervals: opts.offlineAfterMissed } : {}),
          ...(opts.pingRateLimit !== undefined ? { rateLimitPerSec: opts.pingRateLimit } : {}),
          ...(opts.pingBurst !== undefined ? { rateLimitBurst: opts.pingBurst } : {}),
        },
        openhands: opts.openhandsUrl ? [{ url: opts.openhandsUrl, apiKey: openhandsKey, name: opts.openhandsName }] : [],
        executions: {
          ...(opts.maxRunningExecutions !== undefined ? { concurrency: Math.floor(opts.maxRunningExecutions) } : {}),
          ...(opts.executionRetentionDays !== undefined ? { retentionDays: opts.executionRetentionDays } : {}),
        },
      })
      process.stdout.write(
        `\n  Switchboard ${packageVersion()} is serving on ${server.url}\n` +
          `  Open the dashboard: ${server.dashboardUrl}\n` +
          (server.tokenGenerated ? `  (a new token was generated and saved in the data dir)\n` : '') +
          '\n',
      )
      const stop = createServeStop({
        close: () => server.close(),
        exit: (code) => process.exit(code),
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        later: (fn, ms) => setTimeout(fn, ms).unref(),
      })
      process.on('SIGINT', () => stop('SIGINT'))
      process.on('SIGTERM', () => stop('SIGTERM'))
    })

  const clientOptions = (cmd: Command): Command =>
    cmd
      .addOption(new Option('--url <url>', 'server URL').env('SWITCHBOARD_URL').default('http://127.0.0.1:7420'))
      .addOption(new Option('--token <token>', 'API token (default: read from the data dir)').env('SWITCHBOARD_TOKEN'))
      .addOption(new Option('--data-dir <dir>', 'data dir to read the token from').env('SWITCHBOARD_DATA_DIR'))

  clientOptions(program.command('status'))
    .description("Which model each agent is really on, and each model's status")
    .option('--json', 'print the raw JSON')
    .option('-w, --watch', 'stay connected and reprint on every change')
    .action(async (opts: { url: string; token?: string; dataDir?: string; json?: boolean; watch?: boolean }) => {
      const token = opts.token ?? resolveToken(path.resolve(opts.dataDir ?? defaultDataDir())).token
      process.exitCode = await runStatus({ url: opts.url, token, json: opts.json ?? false, watch: opts.watch ?? false })
    })

  clientOptions(program.command('switches <agentId>'))
    .description('Switch history of one agent, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print the raw JSON')
    .action(async (agentId: string, opts: { url: string; token?: string; dataDir?: string; limit: string; json?: boolean }) => {
      const token = opts.token ?? resolveToken(path.resolve(opts.dataDir ?? defaultDataDir())).token
      process.exitCode = await runSwitches({ url: opts.url, token, agentId, limit: opts.limit, json: opts.json ?? false })
    })

  program
    .command('agent')
    .description("Send this host's heartbeat (CPU, memory, running tasks) to a Switchboard server until stopped")
    .addOption(new Option('--url <url>', 'server URL').env('SWITCHBOARD_URL').default('http://127.0.0.1:7420'))
    .addOption(new Option('--agent-id <id>', 'the registered agent id').env('SWITCHBOARD_AGENT_ID').makeOptionMandatory())
    .addOption(new Option('--app-key <key>', "the agent's app key").env('SWITCHBOARD_APP_KEY').makeOptionMandatory())
    .addOption(new Option('--app-secret-file <file>', "file holding the agent's app secret (recommended)").env('SWITCHBOARD_APP_SECRET_FILE'))
    .addOption(new Option('--app-secret <secret>', 'the app secret itself (visible in ps: prefer the file or the env var)').env('SWITCHBOARD_APP_SECRET'))
    .addOption(new Option('--interval <sec>', 'seconds between pings').env('SWITCHBOARD_INTERVAL').argParser(parseIntervalSec).default(10))
    .addOption(new Option('--tasks-file <file>', 'JSON file with the running tasks, re-read on every ping').env('SWITCHBOARD_TASKS_FILE'))
    .addOption(
      new Option('--tasks-command <cmd>', 'shell command printing the running tasks as JSON, run on every ping')
        .env('SWITCHBOARD_TASKS_COMMAND')
        .conflicts('tasksFile'),
    )
    .addOption(new Option('--tasks-timeout <sec>', 'seconds the tasks command may run').env('SWITCHBOARD_TASKS_TIMEOUT').argParser(parseIntervalSec).default(5))
    .addOption(
      new Option('--status <status>', 'status to report; auto = busy while tasks run, else idle')
        .env('SWITCHBOARD_STATUS')
        .choices(['auto', 'busy', 'idle'])
        .default('auto'),
    )
    .option('--once', 'send one ping and exit: 0 if accepted, 1 if not')
    .action(
      async (
        opts: {
          url: string
          agentId: string
          appKey: string
          appSecret?: string
          appSecretFile?: string
          interval: number
          tasksFile?: string
          tasksCommand?: string
          tasksTimeout: number
          status: AgentStatusMode
          once?: boolean
        },
        cmd: Command,
      ) => {
        const code = await runAgent({
          url: opts.url,
          agentId: opts.agentId,
          appKey: opts.appKey,
          appSecret: opts.appSecret,
          appSecretFile: opts.appSecretFile,
          appSecretFromArgv: cmd.getOptionValueSource('appSecret') === 'cli',
          intervalSec: opts.interval,
          tasksFile: opts.tasksFile,
          tasksCommand: opts.tasksCommand,
          tasksTimeoutSec: opts.tasksTimeout,
          status: opts.status,
          once: opts.once ?? false,
        })
        // Keep-alive sockets would hold the process a few seconds more.
        process.exit(code)
      },
    )

  clientOptions(program.command('test <agentId> <input...>'))
    .description("Start an agent test with the agent's runner; --wait follows it live to the end")
    .option('--wait', 'stay until it ends, printing its output as it comes; exit 0 only if it succeeded')
    .option('--json', 'print the execution as JSON')
    .action(async (agentId: string, input: string[], opts: { url: string; token?: string; dataDir?: string; wait?: boolean; json?: boolean }) => {
      const token = opts.token ?? resolveToken(path.resolve(opts.dataDir ?? defaultDataDir())).token
      process.exitCode = await runTest({ url: opts.url, token, agentId, input: input.join(' '), wait: opts.wait ?? false, json: opts.json ?? false })
    })

  type AgentsOpts = { url: string; token?: string; dataDir?: string; json?: boolean }
  type IssueOpts = AgentsOpts & { secretFile?: string }
  const agentsContext = (opts: AgentsOpts): AgentsContext => {
    const token = opts.token ?? resolveToken(path.resolve(opts.dataDir ?? defaultDataDir())).token
    return { api: createHostAgentsClient({ url: opts.url, token }), url: opts.url, json: opts.json ?? false }
  }
  const agents = program.command('agents').description('Register agent hosts and manage their app keys')
  const agentsCommand = (spec: string, description: string): Command =>
    clientOptions(agents.command(spec)).description(description).option('--json', 'print the raw JSON')
  const secretFileOption = (): Option => new Option('--secret-file <file>', 'write the new secret to this file (mode 0600) instead of printing it')

  agentsCommand('list', 'Registered agents: pool, online or not, last ping, keys').action(async (opts: AgentsOpts) => {
    process.exitCode = await runAgentsList(agentsContext(opts))
  })
  agentsCommand('show <agentId>', 'One agent and its app keys').action(async (agentId: string, opts: AgentsOpts) => {
    process.exitCode = await runAgentsShow(agentsContext(opts), agentId)
  })
  agentsCommand('pools', 'Pools: agents online and offline, running tasks, mean CPU and memory').action(async (opts: AgentsOpts) => {
    process.exitCode = await runAgentsPools(agentsContext(opts))
  })
  agentsCommand('create <agentId>', 'Register an agent; prints its first app key and secret (shown once)')
    .option('--name <name>', 'display name (default: the id)')
    .option('--pool <pool>', 'pool (default: default)')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .addOption(secretFileOption())
    .action(async (agentId: string, opts: IssueOpts & { name?: string; pool?: string; tag?: string[] }) => {
      process.exitCode = await runAgentsCreate(
        agentsContext(opts),
        { agent_id: agentId, ...(opts.name ? { agent_name: opts.name } : {}), ...(opts.pool ? { pool_id: opts.pool } : {}), ...(opts.tag ? { tags: opts.tag } : {}) },
        { secretFile: opts.secretFile },
      )
    })
  agentsCommand('update <agentId>', "Change an agent's name, pool or tags (--tag replaces all tags)")
    .option('--name <name>', 'display name')
    .option('--pool <pool>', 'pool')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .action(async (agentId: string, opts: AgentsOpts & { name?: string; pool?: string; tag?: string[] }) => {
      process.exitCode = await runAgentsUpdate(agentsContext(opts), agentId, {
        ...(opts.name ? { agent_name: opts.name } : {}),
        ...(opts.pool ? { pool_id: opts.pool } : {}),
        ...(opts.tag ? { tags: opts.tag } : {}),
      })
    })
  agentsCommand('rotate <agentId> [appKey]', 'Replace an app key with a new one (the old one stops working); prints it once')
    .addOption(secretFileOption())
    .action(async (agentId: string, appKey: string | undefined, opts: IssueOpts) => {
      process.exitCode = await runAgentsRotate(agentsContext(opts), agentId, appKey, { secretFile: opts.secretFile })
    })
  agentsCommand('add-key <agentId>', 'Issue an additional app key (for a second host or a handover); prints it once')
    .addOption(secretFileOption())
    .action(async (agentId: string, opts: IssueOpts) => {
      process.exitCode = await runAgentsAddKey(agentsContext(opts), agentId, { secretFile: opts.secretFile })
    })
  agentsCommand('revoke <agentId> <appKey>', 'Revoke one app key').action(async (agentId: string, appKey: string, opts: AgentsOpts) => {
    process.exitCode = await runAgentsRevoke(agentsContext(opts), agentId, appKey)
  })
  agentsCommand('delete <agentId>', 'Unregister an agent and revoke all its keys').action(async (agentId: string, opts: AgentsOpts) => {
    process.exitCode = await runAgentsDelete(agentsContext(opts), agentId)
  })

  const workflowsContext = (opts: AgentsOpts): WorkflowsContext => ({
    url: opts.url,
    token: opts.token ?? resolveToken(path.resolve(opts.dataDir ?? defaultDataDir())).token,
    json: opts.json ?? false,
  })
  const workflows = program.command('workflows').description('Stored workflows: ordered agent steps, each fed by the one before')
  const workflowsCommand = (spec: string, description: string): Command =>
    clientOptions(workflows.command(spec)).description(description).option('--json', 'print the raw JSON')
  const definitionOptions = (cmd: Command): Command =>
    cmd
      .option('--file <file>', 'the definition as JSON {name, description, steps} (the shape `show --json` prints); - for stdin')
      .option('--description <text>', 'description')
      .option('--step <agent=template>', 'a step: agent id, "=", input template ({{input}}, {{previous.output}}, {{steps.N.output}}); repeatable, in order', collect)
      .option('--continue-on-failure <n>', 'step n (1-based) continues the run when it fails; repeatable', (v: string, prev: number[] = []) => [...prev, parseStepNumber(v)])
  type DefinitionOpts = AgentsOpts & { file?: string; description?: string; step?: string[]; continueOnFailure?: number[] }
  const definition = (opts: DefinitionOpts): DefinitionOptions => ({
    ...(opts.file ? { file: opts.file } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.step ? { step: opts.step } : {}),
    ...(opts.continueOnFailure ? { continueOnFailure: opts.continueOnFailure } : {}),
  })

  const conversations = program.command('conversations').description('Agent sessions with their status (seed 001), turns and task lists')
  clientOptions(conversations.command('list', { isDefault: true }))
    .description('Conversations, most recently updated first')
    .option('--agent <id>', "only this agent's")
    .option('--status <list>', 'only these statuses, e.g. running,starting')
    .option('--search <text>', 'text in title, agent, id or model')
    .option('--limit <n>', 'at most this many (1–200)', parsePositive)
    .option('--json', 'print the raw JSON')
    .action(async (opts: AgentsOpts & { agent?: string; status?: string; search?: string; limit?: number }) => {
      process.exitCode = await runConversationsList(workflowsContext(opts), {
        ...(opts.agent ? { agent: opts.agent } : {}),
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.search ? { q: opts.search } : {}),
        ...(opts.limit ? { limit: Math.min(200, Math.floor(opts.limit)) } : {}),
      })
    })
  clientOptions(conversations.command('show <id>'))
    .description('One conversation: status and why, each turn with the models it tried, tokens and cost, its task list')
    .option('--json', 'print the raw JSON')
    .action(async (id: string, opts: AgentsOpts) => {
      process.exitCode = await runConversationsShow(workflowsContext(opts), id)
    })

  workflowsCommand('list', 'Workflows: id, name, steps and their agents').action(async (opts: AgentsOpts) => {
    process.exitCode = await runWorkflowsList(workflowsContext(opts))
  })
  workflowsCommand('show <workflow>', 'One workflow (by id or name): its steps and their input templates').action(async (ref: string, opts: AgentsOpts) => {
    process.exitCode = await runWorkflowsShow(workflowsContext(opts), ref)
  })
  definitionOptions(workflowsCommand('create [name]', 'Create a workflow from --step flags or --file')).action(async (name: string | undefined, opts: DefinitionOpts) => {
    process.exitCode = await runWorkflowsCreate(workflowsContext(opts), name, definition(opts))
  })
  definitionOptions(workflowsCommand('update <workflow>', 'Change a workflow: what --file or the flags give replaces what it had (--step replaces all steps)'))
    .option('--name <name>', 'new name')
    .action(async (ref: string, opts: DefinitionOpts & { name?: string }) => {
      process.exitCode = await runWorkflowsUpdate(workflowsContext(opts), ref, { ...definition(opts), ...(opts.name ? { name: opts.name } : {}) })
    })
  workflowsCommand('delete <workflow>', 'Delete a workflow (its past runs stay in the history)').action(async (ref: string, opts: AgentsOpts) => {
    process.exitCode = await runWorkflowsDelete(workflowsContext(opts), ref)
  })
  workflowsCommand('run <workflow>', 'Run a workflow in the background; --wait follows it step by step to the end')
    .option('--input <text>', 'what {{input}} stands for in the templates')
    .option('--wait', 'stay until it ends, printing each step and its output; exit 0 only if it succeeded')
    .action(async (ref: string, opts: AgentsOpts & { input?: string; wait?: boolean }) => {
      process.exitCode = await runWorkflowsRun(workflowsContext(opts), ref, { ...(opts.input !== undefined ? { input: opts.input } : {}), wait: opts.wait ?? false })
    })

  program
    .command('token')
    .description('Print the API token kept in the data dir (generating one if there is none)')
    .addOption(new Option('--data-dir <dir>', 'data dir').env('SWITCHBOARD_DATA_DIR'))
    .action((opts: { dataDir?: string }) => {
      process.stdout.write(`${resolveToken(path.resolve(opts.dataDir ?? defaultDataDir())).token}\n`)
    })

  return program
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await createProgram().parseAsync(argv)
  } catch (err) {
    process.stderr.write(`switchboard: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
}
