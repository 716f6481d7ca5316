/**
 * The HTTP application: Fastify with one plugin per concern. Built without listening, so tests
 * drive it with `app.inject()`.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { ERROR_CODES } from '../shared/errors.js'
import { AppError } from './http/app-error.js'
import { bearerFrom } from './auth/token.js'
import type { Metrics } from './http/metrics.js'
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

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // A dashboard polls: per-request lines would drown the log. Errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Hosts ping every 10–60 s on one kept-alive connection: it must outlive the longest interval.
    keepAliveTimeout: 72_000,
    routerOptions: { maxParamLength: 256 },
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

  // The hooks every request runs are callback-style: an async hook costs a promise and a
  // microtask turn per request, a visible share of a heartbeat's cost.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!needsAuth(req.url) || req.routeOptions.config.agentAuth) return done()
    const token = bearerFrom(req.headers.authorization)
    if (!token) return done(new AppError('SWB_AUTH_MISSING'))
    if (!deps.checkToken(token)) return done(new AppError('SWB_AUTH_INVALID'))
    done()
  })

  // Labelled children are looked up once per route and status: hashing label objects on every
  // request is a measurable share of a heartbeat's cost.
  const counters = new Map<string, { inc(): void }>()
  const timers = new Map<string, { observe(v: number): void }>()
  app.addHook('onResponse', (req, reply, done) => {
    done()
    const endpoint = req.routeOptions.url ?? 'unmatched'
    if (!endpoint.startsWith('/api/') && endpoint !== '/healthz' && endpoint !== '/metrics') return
    const status = String(reply.statusCode)
    const route = `${req.method} ${endpoint}`
    let counter = counters.get(`${route} ${status}`)
    if (!counter) counters.set(`${route} ${status}`, (counter = deps.metrics.apiRequests.labels(req.method, endpoint, status)))
    counter.inc()
    let timer = timers.get(route)
    if (!timer) timers.set(route, (timer = deps.metrics.apiResponseTime.labels(req.method, endpoint)))
    timer.observe(reply.elapsedTime / 1000)
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
    await app.register(fastifyStatic, { root: webRoot, index: ['index.html'], wildcard: true, maxAge: 0 })
  }
  app.setNotFoundHandler((req, reply) => {
    if (hasWeb && req.method === 'GET' && !needsAuth(req.url) && !req.url.startsWith('/ws')) {
      return reply.type('text/html').sendFile('index.html')
    }
    return reply.code(404).send({ error: { code: 'SWB_ROUTE_NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}` } })
  })
  return app
}
