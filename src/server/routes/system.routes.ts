/** Health, metrics and what the sources looked at. */
import type { FastifyPluginAsync } from 'fastify'
import type { HealthResponse, SourcesResponse } from '../../shared/api.js'

export interface SystemRoutesOptions {
  version: string
  isReady: () => boolean
  sources: () => SourcesResponse
}

export const systemRoutes: FastifyPluginAsync<SystemRoutesOptions> = async (app, opts) => {
  app.get('/healthz', async (): Promise<HealthResponse> => {
    const s = app.fleet.stats
    return {
      status: 'ok',
      version: opts.version,
      ingest: {
        ready: opts.isReady(),
        bytesRead: s.bytesRead,
        eventsApplied: s.events,
        eventsByKind: s.eventsByKind,
        rejected: s.rejected,
        agents: app.fleet.agentCount,
      },
      conversations: { ready: app.conversations.ready, count: app.conversations.size, lastReadMs: Math.round(app.conversations.lastReadMs) },
    }
  })

  app.get('/api/sources', async () => opts.sources())

  app.get('/metrics', async (_req, reply) => {
    app.metrics.stateCacheSize.set(app.fleet.agentCount)
    const body = await app.metrics.registry.metrics()
    return reply.type(app.metrics.registry.contentType).send(body)
  })
}
