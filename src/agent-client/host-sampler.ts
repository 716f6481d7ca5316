/**
 * Host CPU and memory, as a heartbeat reports them: CPU % from the change of the cores' time
 * counters between two samples, memory % as used / total where "used" is what the kernel could not
 * hand out right now (Linux `MemTotal − MemAvailable`, which counts reclaimable cache as free).
 */
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

/** Cumulative time one core spent in each state, in any unit (as `os.cpus()[i].times`). */
export interface CpuTimes {
  user: number
  nice: number
  sys: number
  idle: number
  irq: number
}

export interface MemoryReading {
  totalBytes: number
  availableBytes: number
}

/** Where the numbers come from: the host by default, fixed sequences in tests. */
export interface HostReadings {
  /** One entry per core. */
  cpuTimes(): CpuTimes[]
  memory(): Promise<MemoryReading>
  wait(ms: number): Promise<void>
}

export interface HostSample {
  /** Percent, 0–100, one decimal. */
  cpu_usage: number
  /** Percent, 0–100, one decimal. */
  memory_usage: number
}

export interface HostSampler {
  /** CPU since the previous call (the first call measures over a short baseline), memory now. */
  sample(): Promise<HostSample>
}

export interface HostSamplerOptions {
  /** Default is the host: `os.cpus()`, `/proc/meminfo` on Linux, `os.totalmem()`/`os.freemem()` elsewhere. */
  readings?: HostReadings
  /** How long the first call measures CPU over, in milliseconds. Default is 150. */
  baselineMs?: number
}

export function createHostSampler(options: HostSamplerOptions = {}): HostSampler {
  const readings = options.readings ?? createHostReadings()
  const baselineMs = options.baselineMs ?? 150
  let previous: { busy: number; total: number } | null = null
  let lastCpu = 0

  const cpuNow = (): { busy: number; total: number } => {
    let busy = 0
    let total = 0
    for (const t of readings.cpuTimes()) {
      const all = t.user + t.nice + t.sys + t.idle + t.irq
      total += all
      busy += all - t.idle
    }
    return { busy, total }
  }

  return {
    async sample() {
      if (previous === null) {
        previous = cpuNow()
        await readings.wait(baselineMs)
      }
      const now = cpuNow()
      const dTotal = now.total - previous.total
      const dBusy = now.busy - previous.busy
      // No time passed on the counters (or they went back, a core went away): keep the last figure.
      if (dTotal > 0 && dBusy >= 0) lastCpu = percent((dBusy / dTotal) * 100)
      previous = now
      const mem = await readings.memory()
      const used = mem.totalBytes > 0 ? ((mem.totalBytes - mem.availableBytes) / mem.totalBytes) * 100 : 0
      return { cpu_usage: lastCpu, memory_usage: percent(used) }
    },
  }
}

/** Clamped to 0–100 and rounded to 0.1; NaN is 0. */
export function percent(v: number): number {
  if (!Number.isFinite(v)) return v === Infinity ? 100 : 0
  return Math.round(Math.min(100, Math.max(0, v)) * 10) / 10
}

/**
 * `/proc/meminfo` → total and available bytes, or null when it lacks `MemTotal`. Kernels before 3.14
 * have no `MemAvailable`: free + buffers + cached stands in for it there.
 */
export function parseMeminfo(text: string): MemoryReading | null {
  const kb = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)\s*kB/.exec(line)
    if (m) kb.set(m[1]!, Number(m[2]))
  }
  const total = kb.get('MemTotal')
  if (total === undefined || total <= 0) return null
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0)
  return { totalBytes: total * 1024, availableBytes: Math.min(total, available) * 1024 }
}

export function createHostReadings(): HostReadings {
  const fallback = (): MemoryReading => ({ totalBytes: os.totalmem(), availableBytes: os.freemem() })
  return {
    cpuTimes: () => os.cpus().map((c) => c.times),
    async memory() {
      if (process.platform !== 'linux') return fallback()
      try {
        return parseMeminfo(await readFile('/proc/meminfo', 'utf8')) ?? fallback()
      } catch {
        // No /proc (a sandbox): Node's figures are the next best.
        return fallback()
      }
    },
    wait: (ms) => sleep(ms),
  }
}
