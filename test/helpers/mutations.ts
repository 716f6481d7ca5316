/**
 * Damaged copies of good values, for fuzz tests: a field removed, or replaced by a value of another
 * type, an extreme number, a long string or deep nesting. Seeded, so a failure is reproducible.
 */

/** mulberry32: small, fast and seeded; numbers in [0, 1). */
export function generator(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!

const deep = (depth: number): unknown => {
  let v: unknown = 'bottom'
  for (let i = 0; i < depth; i++) v = { type: 'message', message: v }
  return v
}

/** Values a damaged or hostile record may hold where something else was expected. */
export const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  -1e308,
  1e308,
  Number.MAX_SAFE_INTEGER,
  '',
  ' ',
  'x'.repeat(10_000),
  '2026-13-45T99:99:99Z',
  '1e400',
  '__proto__',
  'constructor',
  [],
  [null],
  {},
  { __proto__: { polluted: true } },
  deep(200),
]

/** Every place (object key or array index) inside a value. */
function places(value: unknown, out: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = []): typeof out {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ parent: value, key: i })
      places(v, out)
    })
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push({ parent: value as Record<string, unknown>, key: k })
      places(v, out)
    }
  }
  return out
}

/** Keys a hostile record may use: names of Object's own properties. */
const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '']

/** `value` with one to three of its fields removed, replaced or renamed (a fresh copy each time). */
export function mutate(value: unknown, random: () => number): unknown {
  const copy: unknown = structuredClone(value)
  const spots = places(copy)
  if (spots.length === 0) return structuredClone(pick(ODD_VALUES, random))
  const times = 1 + Math.floor(random() * 3)
  for (let i = 0; i < times; i++) {
    const spot = pick(spots, random)
    const r = random()
    if (r < 0.2 && !Array.isArray(spot.parent)) delete (spot.parent as Record<string, unknown>)[spot.key]
    else if (r < 0.3 && !Array.isArray(spot.parent)) {
      // As JSON.parse makes it: an own property, whatever its name.
      const parent = spot.parent as Record<string, unknown>
      Object.defineProperty(parent, pick(ODD_KEYS, random), { value: parent[spot.key], enumerable: true, writable: true, configurable: true })
      delete parent[spot.key]
    } else (spot.parent as Record<string | number, unknown>)[spot.key] = structuredClone(pick(ODD_VALUES, random))
  }
  return copy
}

/** Each value, then `perValue` damaged copies of it. */
export function* mutants(values: unknown[], seed: number, perValue: number): Generator<unknown> {
  const random = generator(seed)
  for (const v of values) {
    yield v
    for (let i = 0; i < perValue; i++) yield mutate(v, random)
  }
}
