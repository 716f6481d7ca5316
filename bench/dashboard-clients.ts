/**
 * Dashboard WebSocket clients for the heartbeat benchmark, in a process of their own: half on the
 * seed path `/ws/agent-pools/{pool}/metrics`, half on `/ws` subscribed to `pool:<id>`.
 * Usage: node --import tsx bench/dashboard-clients.ts <baseUrl> <token> <clients> <pool>…
 * Prints `connected <n>` when all are open; on a `report` line on stdin prints one JSON line of
 * counts, on a `cpu` line the CPU seconds this process has used; exits on `exit`.
 */
import { createInterface } from 'node:readline'
import WebSocket from 'ws'

const [baseUrl, token, countArg, ...pools] = process.argv.slice(2)
if (!baseUrl || !token || !countArg || pools.length === 0) {
  process.stderr.write('usage: dashboard-clients.ts <baseUrl> <token> <clients> <pool>…\n')
  process.exit(2)
}
const count = Number(countArg)
const wsBase = baseUrl.replace(/^http/, 'ws')
let messages = 0
let updates = 0
let bytes = 0
let closed = 0
const sockets: WebSocket[] = []

function open(i: number): Promise<void> {
  const pool = pools[i % pools.length]!
  const url = i % 2 === 0 ? `${wsBase}/ws/agent-pools/${pool}/metrics` : `${wsBase}/ws?topics=pool:${pool}`
  const ws = new WebSocket(url, ['switchboard.v1', `bearer.${token}`], { perMessageDeflate: false })
  sockets.push(ws)
  ws.on('message', (data: Buffer) => {
    messages++
    bytes += data.length
    // Cheap check of the type without parsing every message.
    if (data.includes('"metrics_update"')) updates++
  })
  ws.on('close', () => closed++)
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
}

// A few at a time: a thousand simultaneous handshakes only measure the accept queue.
for (let i = 0; i < count; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => open(i + k)))
}
process.stdout.write(`connected ${sockets.length}\n`)

const rl = createInterface({ input: process.stdin })
rl.on('line', (line) => {
  if (line === 'cpu') {
    const { user, system } = process.cpuUsage()
    process.stdout.write(`${JSON.stringify({ cpuSec: (user + system) / 1e6 })}\n`)
  } else if (line === 'report') {
    process.stdout.write(`${JSON.stringify({ clients: sockets.length, open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length, closed, messages, updates, bytes })}\n`)
  } else if (line === 'exit') {
    for (const s of sockets) s.terminate()
    process.exit(0)
  }
})
