/**
 * Fastify gives every request a child logger bound to its id. Most requests log nothing, and
 * making a pino child for each is a visible share of a heartbeat's cost at thousands a second:
 * this one is made the first time the request logs, with the same bindings and options.
 */
import type { FastifyBaseLogger } from 'fastify'

type Bindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1]
type LogArgs = Parameters<FastifyBaseLogger['info']>

class LazyRequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | null = null

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  get #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options))
  }

  get level(): string {
    return this.#child?.level ?? this.options?.level ?? this.parent.level
  }

  set level(level: string) {
    this.#real.level = level
  }

  fatal(...args: LogArgs): void {
    this.#real.fatal(...args)
  }

  error(...args: LogArgs): void {
    this.#real.error(...args)
  }

  warn(...args: LogArgs): void {
    this.#real.warn(...args)
  }

  info(...args: LogArgs): void {
    this.#real.info(...args)
  }

  debug(...args: LogArgs): void {
    this.#real.debug(...args)
  }

  trace(...args: LogArgs): void {
    this.#real.trace(...args)
  }

  silent(...args: LogArgs): void {
    this.#real.silent(...args)
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#real.child(bindings, options)
  }
}

/** Fastify's `childLoggerFactory`. */
export function lazyRequestLogger(parent: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger {
  return new LazyRequestLogger(parent, bindings, options)
}
