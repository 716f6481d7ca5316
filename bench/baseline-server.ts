/**
 * The baseline: a bare Fastify app answering one route with a precomputed JSON body of the same size
 * as the real response. Run as a child process so it does not share the load generator's CPU time.
 * Usage: node --import tsx bench/baseline-server.ts <body-file> [<gzip-file>]   (prints `listening <port>`)
 */
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const file = process.argv[2]
if (!file) {
  process.stderr.write('usage: baseline-server.ts <body-file>\n')
  process.exit(2)
}
const body = readFileSync(file)
// With a second file: its bytes (the same body, gzip-compressed) to a client that accepts gzip.
const gzipped = process.argv[3] ? readFileSync(process.argv[3]) : null
const app = Fastify({ logger: false })
app.get('/api/agents/model-statuses', async (req, reply) => {
  reply.type('application/json; charset=utf-8')
  if (gzipped && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(gzipped)
  return reply.send(body)
})
const address = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`listening ${new URL(address).port}\n`)
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
