/**
 * `switchboard` — serve the control room, or ask a running one what its agents are on.
 */
import os from 'node:os'
import path from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { packageVersion, startServer } from '../server/server.js'
import { resolveToken } from '../server/auth/token.js'
import { runStatus, runSwitches } from './status.command.js'

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
    .addOption(new Option('--parse-workers <n>', 'worker threads for large transcript reads (0 = none)').env('SWITCHBOARD_PARSE_WORKERS').argParser(parseCount))
    .addOption(
      new Option('--parse-worker-threshold <bytes>', 'unread bytes of a transcript from which a worker parses it')
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
      new Option('--offline-after-missed <n>', 'missed heartbeat intervals after which an agent is offline')
        .env('SWITCHBOARD_OFFLINE_AFTER_MISSED')
        .argParser(parsePositive),
    )
    .addOption(
      new Option('--ping-rate-limit <perSec>', 'sustained pings per second allowed per agent before 429')
        .env('SWITCHBOARD_PING_RATE_LIMIT')
        .argParser(parsePositive),
    )
    .addOption(new Option('--ping-burst <n>', 'pings allowed at once per agent').env('SWITCHBOARD_PING_BURST').argParser(parsePositive))
    .action(async (opts: {
      host: string
      port: number
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
    }) => {
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
      })
      process.stdout.write(
        `\n  Switchboard ${packageVersion()} is serving on ${server.url}\n` +
          `  Open the dashboard: ${server.dashboardUrl}\n` +
          (server.tokenGenerated ? `  (a new token was generated and saved in the data dir)\n` : '') +
          '\n',
      )
      let stopping = false
      const stop = (signal: string): void => {
        if (stopping) return
        stopping = true
        process.stdout.write(`\n  ${signal}: stopping…\n`)
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`error while stopping: ${String(err)}\n`)
            process.exit(1)
          },
        )
      }
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
