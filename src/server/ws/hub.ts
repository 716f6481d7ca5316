/**
 * The message hub: every change becomes one envelope with a global, strictly increasing `seq`,
 * encoded once and written to every subscriber of its topic. A bounded history lets a client
 * that reconnects with `since=<seq>` get exactly what it missed, or `resync` when that is too old.
 */
import type { ServerDataMessages, ServerDataType } from '../../shared/protocol.js'

export interface HubSubscriber {
  /** Writes an already-encoded message. Returns false when the subscriber had to be dropped. */
  send(encoded: string): boolean
}

export interface HubMessage {
  seq: number
  topic: string
  encoded: string
}

export interface HubOptions {
  /** How many messages are kept for `since=` replays. Default is 10000. */
  historySize?: number
  /** …and at most this many bytes of them. Default is 8 MiB. */
  historyBytes?: number
  now?: () => number
}

export interface Hub {
  publish<T extends ServerDataType>(type: T, topic: string, data: ServerDataMessages[T]): HubMessage
  /** Subscribes to topics (exact, or `prefix:*`; `agents` is `agent:*`). Returns the replay outcome. */
  subscribe(
    sub: HubSubscriber,
    topics: string[],
    since?: number,
  ): { replayed: number; resync: boolean; seq: number }
  unsubscribe(sub: HubSubscriber, topics?: string[]): void
  readonly seq: number
  readonly subscriberCount: number
}

/** Topic aliases: a subscription to the left receives every topic matching the right. */
const ALIASES: Record<string, string> = { agents: 'agent:*' }

function normalise(topic: string): string {
  return ALIASES[topic] ?? topic
}

function matches(pattern: string, topic: string): boolean {
  return pattern.endsWith(':*') ? topic.startsWith(pattern.slice(0, -1)) : pattern === topic
}

export function createHub(options: HubOptions = {}): Hub {
  const historySize = options.historySize ?? 10_000
  const historyBytes = options.historyBytes ?? 8 * 1024 * 1024
  let heldBytes = 0
  const now = options.now ?? Date.now
  const history: HubMessage[] = []
  const subs = new Map<HubSubscriber, Set<string>>()
  let seq = 0

  const wants = (patterns: Set<string>, topic: string): boolean => {
    for (const p of patterns) if (matches(p, topic)) return true
    return false
  }

  return {
    get seq() {
      return seq
    },
    get subscriberCount() {
      return subs.size
    },
    publish(type, topic, data) {
      seq++
      const encoded = JSON.stringify({ type, seq, topic, timestamp: now(), data })
      const msg = { seq, topic, encoded }
      history.push(msg)
      heldBytes += encoded.length
      let drop = 0
      while (history.length - drop > 1 && (history.length - drop > historySize || heldBytes > historyBytes)) {
        heldBytes -= history[drop]!.encoded.length
        drop++
      }
      if (drop > 0) history.splice(0, drop)
      for (const [sub, patterns] of subs) {
        if (wants(patterns, topic) && !sub.send(encoded)) subs.delete(sub)
      }
      return msg
    },
    subscribe(sub, topics, since) {
      const patterns = subs.get(sub) ?? new Set<string>()
      const added = topics.map(normalise)
      for (const t of added) patterns.add(t)
      subs.set(sub, patterns)
      if (since === undefined || since >= seq) return { replayed: 0, resync: false, seq }
      const oldest = history[0]?.seq ?? seq + 1
      // `since` is the last seq the client saw: it needs since+1 onwards, which must still be held.
      if (since + 1 < oldest) return { replayed: 0, resync: true, seq }
      let start = history.length
      while (start > 0 && history[start - 1]!.seq > since) start--
      let replayed = 0
      const addedSet = new Set(added)
      for (let i = start; i < history.length; i++) {
        const m = history[i]!
        if (!wants(addedSet, m.topic)) continue
        if (!sub.send(m.encoded)) {
          subs.delete(sub)
          break
        }
        replayed++
      }
      return { replayed, resync: false, seq }
    },
    unsubscribe(sub, topics) {
      if (!topics) {
        subs.delete(sub)
        return
      }
      const patterns = subs.get(sub)
      if (!patterns) return
      for (const t of topics) patterns.delete(normalise(t))
    },
  }
}
