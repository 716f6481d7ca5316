/**
 * The HTTP application: Fastify with one plugin per concern. Built without listening, so tests
 * drive it with `app.inject()`.
 */
import { existsSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fastifyStatic from '@fastify/static'
import { ERROR_CODES } from '../shared/errors.js'
import { AppError } from './http/app-error.js'
import { lazyRequestLogger } from './http/request-logger.js'
import { createPingFastPath } from './http/ping-fast-path.js'
import { createPingSteps, PING_ROUTE, type PingSteps } from './routes/ping-steps.js'
import { bearerFrom } from './auth/token.js'
import type { Metrics, TallyCell, TimingCell } from './http/metrics.js'
import type { FleetState } from './core/fleet-state.js'
import type { FleetRepository } from './store/fleet.repository.js'
import type { HostState } from './core/host-state.js'
import type { Hub } from './ws/hub.js'
import { hostsRoutes } from './routes/hosts.routes.js'
import { executionsRoutes } from './routes/executions.routes.js'
import type { ExecutionService } from './executions/execution-service.js'
import type { ExecutionsRepository } from './store/executions.repository.js'
import { workflowsRoutes } from './routes/workflows.routes.js'
import { conversationsRoutes } from './routes/conversations.routes.js'
import type { ConversationService } from './conversations/conversation-service.js'
import type { WorkflowsRepository } from './store/workflows.repository.js'
import { modelStatusRoutes } from './routes/model-status.routes.js'
import { systemRoutes } from './routes/system.routes.js'
import type { SourcesResponse } from '../shared/api.js'

declare module 'fastify' {
  interface FastifyInstance {
    fleet: FleetState
    fleetRepository: FleetRepository
    metrics: Metrics
    hosts: HostState
    hub: Hub
    executions: ExecutionService
    executionsRepository: ExecutionsRepository
    workflowsRepository: WorkflowsRepository
    conversations: ConversationService
    pingSteps: PingSteps
  }
}

export interface AppDeps {
  fleet: FleetState
  fleetRepository: FleetRepository
  metrics: Metrics
  hosts: HostState
  hub: Hub
  executions: ExecutionService
  executionsRepository: ExecutionsRepository
  workflowsRepository: WorkflowsRepository
  conversations: ConversationService
  checkToken: (candidate: string | null) => boolean
  version: string
  /** Whether the first full read of every source has finished. */
  isReady: () => boolean
  sources: () => SourcesResponse
  /** Built web UI to serve at `/`. Default is none (API only). */
  webRoot?: string
  logger?: FastifyBaseLogger
}

/** Paths reachable without a token: the health check and the (data-free) web UI shell. */
function needsAuth(url: string): boolean {
  return url.startsWith('/api/') || url === '/api' || url.startsWith('/metrics')
}

/** Routes whose requests are counted and timed (`api_requests_total`, `api_response_time_seconds`). */
function isMeasured(url: string): boolean {
  return url.startsWith('/api/') || url === '/healthz' || url === '/metrics'
}

type Hook = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void

function hooksOf(hooks: unknown): Hook[] {
  if (!hooks) return []
  return (Array.isArray(hooks) ? hooks : [hooks]) as Hook[]
}

const meters = new WeakSet<Hook>()
const isMeter = (h: Hook): boolean => meters.has(h)

/** Counts and times one route's requests (`api_requests_total`, `api_response_time_seconds`), per method and status. */
function requestMeter(metrics: Metrics, endpoint: string): (method: string, status: number, seconds: number) => void {
  const byMethod = new Map<string, { timing: TimingCell; byStatus: Map<number, TallyCell> }>()
  return (method, status, seconds) => {
    let m = byMethod.get(method)
    if (!m) byMethod.set(method, (m = { timing: metrics.apiResponseTime.labels({ method, endpoint }), byStatus: new Map() }))
    let count = m.byStatus.get(status)
    if (!count) m.byStatus.set(status, (count = metrics.apiRequests.labels({ method, endpoint, status: String(status) })))
    count.inc()
    m.timing.observe(seconds)
  }
}

/** The `onResponse` hook that meters one route's requests. */
function routeMeter(metrics: Metrics, endpoint: string): Hook {
  const meter = requestMeter(metrics, endpoint)
  const hook: Hook = (req, reply, done) => {
    done()
    meter(req.method, reply.statusCode, reply.elapsedTime / 1000)
  }
  meters.add(hook)
  return hook
}

/**
 * Every route checks its input by hand (`AppError` names the field) and answers plain objects, so
 * Fastify's schema compilers (Ajv, fast-json-stringify) are never loaded: that took about 80 ms
 * off a start. A route that declares a schema fails at start with this message.
 */
function noRouteSchemas(): never {
  throw new Error('route schemas are not compiled in this server: check the input in the handler (see hosts.routes.ts)')
}

/** Hosts ping every 10–60 s on one kept-alive connection: it must outlive the longest interval. */
const KEEP_ALIVE_MS = 72_000

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const pingSteps = createPingSteps(deps.hosts, deps.metrics)
  const pingMeter = requestMeter(deps.metrics, PING_ROUTE)
  let closing = false
  const pingFastPath = createPingFastPath({
    steps: pingSteps,
    meter: (status, seconds) => pingMeter('POST', status, seconds),
    log: deps.logger ?? null,
    enabled: () => !closing,
  })
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger, childLoggerFactory: lazyRequestLogger } : { logger: false }),
    // A dashboard polls: per-request lines would drown the log. Errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    keepAliveTimeout: KEEP_ALIVE_MS,
    routerOptions: { maxParamLength: 256 },
    // A path the router cannot take (bad percent-encoding, a segment over 256 characters) gets the
    // same error body as every other bad request, not Fastify's own.
    frameworkErrors: (err, _req, reply) => {
      const reason = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is longer than 256 characters' : 'the path is not a valid URL'
      void (reply as FastifyReply).code(400).send({ error: { code: 'SWB_REQUEST_INVALID', message: reason } })
    },
    schemaController: { compilersFactory: { buildValidator: () => noRouteSchemas, buildSerializer: () => noRouteSchemas } },
    // The server Fastify would make, with plain pings answered before Fastify sees them.
    // Its timeouts are Fastify's defaults, as before, and the keep-alive above.
    serverFactory: (handler) => {
      const server = http.createServer((req, res) => {
        if (!pingFastPath(req, res)) handler(req, res)
      })
      server.keepAliveTimeout = KEEP_ALIVE_MS
      server.requestTimeout = 0
      server.setTimeout(0)
      return server
    },
  })
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  app.decorate('fleet', deps.fleet)
  app.decorate('fleetRepository', deps.fleetRepository)
  app.decorate('metrics', deps.metrics)
  app.decorate('hosts', deps.hosts)
  app.decorate('hub', deps.hub)
  app.decorate('executions', deps.executions)
  app.decorate('executionsRepository', deps.executionsRepository)
  app.decorate('workflowsRepository', deps.workflowsRepository)
  app.decorate('conversations', deps.conversations)
  app.decorate('pingSteps', pingSteps)

  // Operator auth and request metrics are attached to each route as it is added, with its labels
  // resolved once: a global hook would look the route up, build label keys and hash labels on
  // every request, a visible share of a heartbeat's cost. Hooks are callback-style: an async hook
  // costs a promise and a microtask turn per request.
  const operatorAuth = (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    const token = bearerFrom(req.headers.authorization)
    if (!token) return done(new AppError('SWB_AUTH_MISSING'))
    if (!deps.checkToken(token)) return done(new AppError('SWB_AUTH_INVALID'))
    done()
  }
  // A query parameter given twice arrives as an array, which no route reads: a 400 names it.
  const singleQueryValues = (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    const query = req.query as Record<string, unknown> | undefined
    if (query) {
      for (const key in query) {
        if (Array.isArray(query[key])) return done(new AppError('SWB_REQUEST_INVALID', `${key}: given more than once`, { field: key }))
      }
    }
    done()
  }
  // Catch-alls (the UI's files, unknown routes) see every path: they check the one asked for.
  const operatorAuthIfApi = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void =>
    needsAuth(req.url) ? operatorAuth(req, reply, done) : done()
  app.addHook('onRoute', (route) => {
    const catchAll = route.url.endsWith('*')
    const auth = catchAll ? operatorAuthIfApi : needsAuth(route.url) && !route.config?.agentAuth ? operatorAuth : null
    const onRequest = hooksOf(route.onRequest)
    if (auth && !onRequest.includes(auth)) route.onRequest = [auth, ...(auth === operatorAuth ? [singleQueryValues] : []), ...onRequest]
    if (catchAll || !isMeasured(route.url)) return
    const meter = routeMeter(deps.metrics, route.url)
    const onResponse = hooksOf(route.onResponse)
    route.onResponse = [...onResponse.filter((h) => !isMeter(h)), meter]
  })

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AppError) return reply.code(err.statusCode).send(err.toBody())
    const e = err as { validation?: unknown; statusCode?: number; message?: string; code?: string }
    if (e.statusCode === 413) {
      return reply.code(413).send({ error: { code: 'SWB_PAYLOAD_TOO_LARGE', message: e.message ?? ERROR_CODES.SWB_PAYLOAD_TOO_LARGE.message } })
    }
    if (e.validation || (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)) {
      const status = e.statusCode ?? 400
      return reply.code(status).send({ error: { code: 'SWB_REQUEST_INVALID', message: e.message ?? 'Invalid request' } })
    }
    req.log.error({ err, url: req.url }, 'request failed')
    return reply.code(500).send({ error: { code: 'SWB_INTERNAL', message: ERROR_CODES.SWB_INTERNAL.message } })
  })

  await app.register(systemRoutes, { version: deps.version, isReady: deps.isReady, sources: deps.sources })
  await app.register(modelStatusRoutes)
  await app.register(hostsRoutes)
  await app.register(executionsRoutes)
  await app.register(workflowsRoutes)
  await app.register(conversationsRoutes)

  const webRoot = deps.webRoot
  const hasWeb = webRoot !== undefined && existsSync(path.join(webRoot, 'index.html'))
  if (hasWeb) {
    // wildcard: files are looked up per request, so a rebuilt UI is served without a restart.
    // The build writes `.br` and `.gz` copies (scripts/compress-web.ts), sent to browsers that take
    // them. Files under assets/ have their content's hash in their name and never change: cached for
    // a year. Everything else (index.html, which names them) is asked again each time.
    await app.register(fastifyStatic, {
      root: webRoot,
      index: ['index.html'],
      wildcard: true,
      preCompressed: true,
      cacheControl: false,
      setHeaders: (res, filePath) => {
        const hashed = path.relative(webRoot, filePath).split(path.sep)[0] === 'assets'
        res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
        res.setHeader('vary', 'accept-encoding')
      },
    })
  }
  app.setNotFoundHandler({ preValidation: operatorAuthIfApi }, (req, reply) => {
    if (hasWeb && req.method === 'GET' && !needsAuth(req.url) && !req.url.startsWith('/ws')) {
      return reply.type('text/html').sendFile('index.html')
    }
    return reply.code(404).send({ error: { code: 'SWB_ROUTE_NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}` } })
  })
  return app
}
