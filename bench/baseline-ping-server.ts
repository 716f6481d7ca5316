/**
 * The heartbeat baseline: a bare Fastify app with the ping route that parses the JSON body and
 * answers a small JSON object, and nothing else (no auth, no validation, no state, no push).
 * Usage: node --import tsx bench/baseline-ping-server.ts [--port N]   (prints `listening <port>`)
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.post('/api/v1/agents/:agentId/ping', async () => ({ accepted: true, server_time: Date.now(), offline_after_sec: 90 }))
const portArg = process.argv.indexOf('--port')
const address = await app.listen({ host: '127.0.0.1', port: portArg >= 0 ? Number(process.argv[portArg + 1]) : 0 })
process.stdout.write(`listening ${new URL(address).port}\n`)
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
