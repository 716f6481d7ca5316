import { describe, expect, it } from 'vitest'
import { createHostReadings, createHostSampler, parseMeminfo, percent, type CpuTimes, type HostReadings, type MemoryReading } from './host-sampler.js'

const core = (busy: number, idle: number): CpuTimes => ({ user: busy, nice: 0, sys: 0, idle, irq: 0 })

/** Readings that play back fixed CPU counters and memory figures, one per call. */
function fakeReadings(cpu: CpuTimes[][], memory: MemoryReading[]): HostReadings & { waits: number[] } {
  const waits: number[] = []
  let c = 0
  let m = 0
  return {
    waits,
    cpuTimes: () => cpu[Math.min(c++, cpu.length - 1)]!,
    memory: async () => memory[Math.min(m++, memory.length - 1)]!,
    wait: async (ms) => {
      waits.push(ms)
    },
  }
}

const GiB = 1024 ** 3

describe('host sampler', () => {
  it('measures CPU over a short baseline on the first call, then since the previous call', async () => {
    const readings = fakeReadings(
      [
        [core(100, 900), core(100, 900)],
        // +50 busy / +150 idle on each core: 25 %.
        [core(150, 1050), core(150, 1050)],
        // Core 0 fully busy, core 1 idle over 100 ticks each: 50 %.
        [core(250, 1050), core(150, 1150)],
      ],
      [{ totalBytes: 8 * GiB, availableBytes: 6 * GiB }],
    )
    const sampler = createHostSampler({ readings, baselineMs: 120 })
    expect(await sampler.sample()).toEqual({ cpu_usage: 25, memory_usage: 25 })
    expect(readings.waits).toEqual([120])
    expect(await sampler.sample()).toEqual({ cpu_usage: 50, memory_usage: 25 })
    expect(readings.waits).toEqual([120])
  })

  it('rounds to 0.1 and keeps the last CPU figure when the counters did not move or went back', async () => {
    const readings = fakeReadings(
      [[core(0, 0)], [core(1, 2)], [core(1, 2)], [core(0, 1)]],
      [
        { totalBytes: 3 * GiB, availableBytes: 2 * GiB },
        { totalBytes: 3 * GiB, availableBytes: 2 * GiB },
        { totalBytes: 3 * GiB, availableBytes: 2 * GiB },
      ],
    )
    const sampler = createHostSampler({ readings })
    expect(await sampler.sample()).toEqual({ cpu_usage: 33.3, memory_usage: 33.3 })
    expect((await sampler.sample()).cpu_usage).toBe(33.3)
    expect((await sampler.sample()).cpu_usage).toBe(33.3)
  })

  it('clamps memory to 0–100 and reads an unknown total as 0', async () => {
    const cpu = [[core(0, 10)], [core(0, 20)]]
    const over = createHostSampler({ readings: fakeReadings(cpu, [{ totalBytes: GiB, availableBytes: -GiB }]) })
    expect(await over.sample()).toEqual({ cpu_usage: 0, memory_usage: 100 })
    const none = createHostSampler({ readings: fakeReadings(cpu, [{ totalBytes: 0, availableBytes: 0 }]) })
    expect((await none.sample()).memory_usage).toBe(0)
  })

  it('reads no cores as 0 % CPU', async () => {
    const sampler = createHostSampler({ readings: fakeReadings([[]], [{ totalBytes: GiB, availableBytes: GiB }]) })
    expect(await sampler.sample()).toEqual({ cpu_usage: 0, memory_usage: 0 })
  })

  it('gives figures within 0–100 on this host', async () => {
    const sample = await createHostSampler({ readings: createHostReadings(), baselineMs: 20 }).sample()
    for (const v of [sample.cpu_usage, sample.memory_usage]) {
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThanOrEqual(100)
      expect(Math.round(v * 10) / 10).toBe(v)
    }
    expect(sample.memory_usage).toBeGreaterThan(0)
  })
})

describe('percent', () => {
  it('clamps, rounds to 0.1 and turns NaN into 0', () => {
    expect(percent(12.345)).toBe(12.3)
    expect(percent(-3)).toBe(0)
    expect(percent(100.04)).toBe(100)
    expect(percent(Number.NaN)).toBe(0)
    expect(percent(Infinity)).toBe(100)
  })
})

describe('parseMeminfo', () => {
  it('takes MemTotal − MemAvailable', () => {
    const text = 'MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\nBuffers:  1 kB\n'
    expect(parseMeminfo(text)).toEqual({ totalBytes: 16_000_000 * 1024, availableBytes: 4_000_000 * 1024 })
  })

  it('falls back to free + buffers + cached on kernels without MemAvailable', () => {
    const text = 'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n'
    expect(parseMeminfo(text)).toEqual({ totalBytes: 1000 * 1024, availableBytes: 400 * 1024 })
  })

  it('returns null without MemTotal', () => {
    expect(parseMeminfo('')).toBeNull()
    expect(parseMeminfo('MemFree: 100 kB\n')).toBeNull()
  })
})
