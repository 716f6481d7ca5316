/** A small deterministic random source, so that a seed reproduces a whole data set. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [min, max]. */
  int(min: number, max: number): number
  /** True with probability p. */
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T
  /** RFC 4122 version-4 layout, drawn from this source. */
  uuid(): string
  /** `n` lowercase hex characters. */
  hex(n: number): string
  /** An independent source derived from this one's next output. */
  fork(): SeededRandom
}

/** 32-bit state mixing in the style of splitmix/mulberry; fast and good enough for test data. */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0 || 0x9e3779b9

  const nextU32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  const next = (): number => nextU32() / 4294967296

  const hex = (n: number): string => {
    let out = ''
    while (out.length < n) out += nextU32().toString(16).padStart(8, '0')
    return out.slice(0, n)
  }

  const random: SeededRandom = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list')
      return items[Math.floor(next() * items.length)] as (typeof items)[number]
    },
    weighted: (items) => {
      const total = items.reduce((sum, [, w]) => sum + w, 0)
      let r = next() * total
      for (const [item, w] of items) {
        r -= w
        if (r < 0) return item
      }
      const last = items[items.length - 1]
      if (!last) throw new RangeError('weighted pick from an empty list')
      return last[0]
    },
    uuid: () => {
      const h = hex(32)
      const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
    },
    hex,
    fork: () => createSeededRandom(nextU32()),
  }
  return random
}
