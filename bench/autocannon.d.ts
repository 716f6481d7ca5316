/** The part of autocannon's programmatic API the benchmark uses (the package ships no types). */
declare module 'autocannon' {
  interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p97_5: number
    p99: number
    p99_9: number
  }

  interface Options {
    url: string
    connections?: number
    duration?: number
    amount?: number
    headers?: Record<string, string>
    method?: string
    timeout?: number
    body?: string
    /** Requests per second from all connections together (latency corrected for coordinated omission). */
    overallRate?: number
    /** A run of its own before the measured one, whose results are not counted. */
    warmup?: { connections?: number; duration?: number }
    /** Requests each connection sends in turn, round and round. */
    requests?: { method?: string; path?: string; headers?: Record<string, string>; body?: string }[]
  }

  interface Result {
    latency: Histogram
    requests: Histogram
    throughput: Histogram
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    duration: number
  }

  interface Instance extends PromiseLike<Result> {
    stop(): void
  }

  function autocannon(opts: Options): Instance
  export default autocannon
}
