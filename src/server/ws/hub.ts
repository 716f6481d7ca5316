/**
 * The message hub: every change becomes one envelope with a global, strictly increasing `seq`,
 * encoded once and written to every subscriber of its topic. A bounded history lets a client
 * that reconnects with `since=<seq>` get exactly what it missed, or `resync` when that is too old.
 */
import type { ServerDataMessages, ServerDataType } from '../../shared/protocol.js'
import { textFrame } from './ws-frame.js'

export interface HubMessage {
  seq: number
  topic: string
  type: ServerDataType
  /** The envelope `{type, seq, topic, timestamp, data}` as JSON. */
  encoded: string
  /** The seed's own form `{type, ...data}` (no envelope), as the seed's WebSocket paths send it. */
  plain(): string
  /** `encoded` as a WebSocket text frame, built once. */
  frame(): Buffer
  /** `plain()` as a WebSocket text frame, built once. */
  plainFrame(): Buffer
  /** The seed's other form `{type, data}` (seed 002's `/ws/executions`), as a frame built once. */
  wrappedFrame(): Buffer
}

/** Several messages of one topic published together: their frames are joined once for everyone. */
export interface TopicBatch {
  topic: string
  messages: HubMessage[]
  frames(): Buffer
  plainFrames(): Buffer
  wrappedFrames(): Buffer
}

export interface HubSubscriber {
  /** Writes one message. Returns false when the subscriber had to be dropped. */
  send(msg: HubMessage): boolean
  /** Writes a batch at once. Default is one `send` per message. */
  sendBatch?(batch: TopicBatch): boolean
}

export interface HubOptions {
  /** How many messages are kept for `since=` replays. Default is 10000. */
  historySize?: number
  /** …and at most this many bytes of them. Default is 8 MiB. */
  historyBytes?: number
  now?: () => number
}

export interface BatchItem<T extends ServerDataType = ServerDataType> {
  type: T
  data: ServerDataMessages[T]
}

export interface Hub {
  publish<T extends ServerDataType>(type: T, topic: string, data: ServerDataMessages[T]): HubMessage
  /** Publishes several messages on one topic, in order, with consecutive seqs. */
  publishBatch(topic: string, items: BatchItem[]): TopicBatch | null
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
const ALIASES = new Map([
  ['agents', 'agent:*'],
  ['pools', 'pool:*'],
  ['conversations', 'conversation:*'],
])

/** A topic as subscribed (aliases resolved). A Map, not an object: `__proto__` is just a name. */
export function normaliseTopic(topic: string): string {
  return ALIASES.get(topic) ?? topic
}

function matches(pattern: string, topic: string): boolean {
  return pattern.endsWith(':*') ? topic.startsWith(pattern.slice(0, -1)) : pattern === topic
}

function createMessage(seq: number, topic: string, type: ServerDataType, timestamp: number, data: unknown): HubMessage {
  const dataJson = JSON.stringify(data)
  const typeJson = JSON.stringify(type)
  const encoded = `{"type":${typeJson},"seq":${seq},"topic":${JSON.stringify(topic)},"timestamp":${timestamp},"data":${dataJson}}`
  let plain: string | null = null
  let frame: Buffer | null = null
  let plainFrame: Buffer | null = null
  let wrappedFrame: Buffer | null = null
  const plainOf = (): string =>
    (plain ??= dataJson.length > 2 && dataJson.startsWith('{') ? `{"type":${typeJson},${dataJson.slice(1)}` : `{"type":${typeJson}}`)
  return {
    seq,
    topic,
    type,
    encoded,
    plain: plainOf,
    frame: () => (frame ??= textFrame(encoded)),
    plainFrame: () => (plainFrame ??= textFrame(plainOf())),
    wrappedFrame: () => (wrappedFrame ??= textFrame(`{"type":${typeJson},"data":${dataJson}}`)),
  }
}

export function createHub(options: HubOptions = {}): Hub {
  const historySize = options.historySize ?? 10_000
  const historyBytes = options.historyBytes ?? 8 * 1024 * 1024
  let heldBytes = 0
  const now = options.now ?? Date.now
  /**
   * Held messages are `history[head..]`. Dropping the oldest moves `head` on; the array is cut
   * once most of it is dropped, so a publish costs the same however long the history is.
   */
  const history: (HubMessage | undefined)[] = []
  let head = 0
  /** Each subscriber's patterns, and two indexes so a publish looks only at who wants its topic. */
  const subs = new Map<HubSubscriber, Set<string>>()
  const exact = new Map<string, Set<HubSubscriber>>()
  const prefixes = new Map<string, Set<HubSubscriber>>()
  let seq = 0

  const indexFor = (pattern: string): [Map<string, Set<HubSubscriber>>, string] =>
    pattern.endsWith(':*') ? [prefixes, pattern.slice(0, -1)] : [exact, pattern]

  const addIndex = (sub: HubSubscriber, pattern: string): void => {
    const [index, key] = indexFor(pattern)
    let set = index.get(key)
    if (!set) index.set(key, (set = new Set()))
    set.add(sub)
  }
  const removeIndex = (sub: HubSubscriber, pattern: string): void => {
    const [index, key] = indexFor(pattern)
    const set = index.get(key)
    if (!set) return
    set.delete(sub)
    if (set.size === 0) index.delete(key)
  }
  const drop = (sub: HubSubscriber): void => {
    const patterns = subs.get(sub)
    if (!patterns) return
    for (const p of patterns) removeIndex(sub, p)
    subs.delete(sub)
  }

  /** Everyone subscribed to `topic`, each once. */
  const audience = (topic: string): Iterable<HubSubscriber> => {
    const sets: Set<HubSubscriber>[] = []
    const direct = exact.get(topic)
    if (direct) sets.push(direct)
    for (const [prefix, set] of prefixes) if (topic.startsWith(prefix)) sets.push(set)
    if (sets.length === 0) return []
    if (sets.length === 1) return [...sets[0]!]
    const all = new Set<HubSubscriber>()
    for (const s of sets) for (const sub of s) all.add(sub)
    return all
  }

  const record = (msg: HubMessage): void => {
    history.push(msg)
    heldBytes += msg.encoded.length
    while (history.length - head > 1 && (history.length - head > historySize || heldBytes > historyBytes)) {
      heldBytes -= history[head]!.encoded.length
      history[head++] = undefined
    }
    if (head > 1024 && head * 2 > history.length) {
      history.splice(0, head)
      head = 0
    }
  }

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
      const msg = createMessage(++seq, topic, type, now(), data)
      record(msg)
      for (const sub of audience(topic)) if (!sub.send(msg)) drop(sub)
      return msg
    },
    publishBatch(topic, items) {
      if (items.length === 0) return null
      const timestamp = now()
      const messages = items.map((item) => createMessage(++seq, topic, item.type, timestamp, item.data))
      for (const m of messages) record(m)
      let frames: Buffer | null = null
      let plainFrames: Buffer | null = null
      let wrappedFrames: Buffer | null = null
      const batch: TopicBatch = {
        topic,
        messages,
        frames: () => (frames ??= Buffer.concat(messages.map((m) => m.frame()))),
        plainFrames: () => (plainFrames ??= Buffer.concat(messages.map((m) => m.plainFrame()))),
        wrappedFrames: () => (wrappedFrames ??= Buffer.concat(messages.map((m) => m.wrappedFrame()))),
      }
      for (const sub of audience(topic)) {
        let ok = true
        if (sub.sendBatch) ok = sub.sendBatch(batch)
        else for (const m of messages) if (!(ok = sub.send(m))) break
        if (!ok) drop(sub)
      }
      return batch
    },
    subscribe(sub, topics, since) {
      let patterns = subs.get(sub)
      if (!patterns) subs.set(sub, (patterns = new Set<string>()))
      const added = topics.filter((t) => typeof t === 'string').map(normaliseTopic)
      for (const t of added) {
        if (patterns.has(t)) continue
        patterns.add(t)
        addIndex(sub, t)
      }
      if (since === undefined || since >= seq) return { replayed: 0, resync: false, seq }
      const oldest = history[head]?.seq ?? seq + 1
      // `since` is the last seq the client saw: it needs since+1 onwards, which must still be held.
      if (since + 1 < oldest) return { replayed: 0, resync: true, seq }
      let start = history.length
      while (start > head && history[start - 1]!.seq > since) start--
      let replayed = 0
      const addedSet = new Set(added)
      for (let i = start; i < history.length; i++) {
        const m = history[i]!
        if (!wants(addedSet, m.topic)) continue
        if (!sub.send(m)) {
          drop(sub)
          break
        }
        replayed++
      }
      return { replayed, resync: false, seq }
    },
    unsubscribe(sub, topics) {
      if (!topics) {
        drop(sub)
        return
      }
      const patterns = subs.get(sub)
      if (!patterns) return
      for (const t of topics) {
        if (typeof t !== 'string') continue
        const p = normaliseTopic(t)
        if (patterns.delete(p)) removeIndex(sub, p)
      }
    },
  }
}
