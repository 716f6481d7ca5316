/**
 * Reads the fields of a runner configuration from untrusted JSON. Each kind's config parser reads
 * its fields through one reader; the first bad field throws a `ConfigFieldError` naming it, and
 * fields nobody read are reported as unknown (a typo such as `timeout` is an error, not ignored).
 */

export class ConfigFieldError extends Error {
  /** The field's path (`url`, `args[2]`, `headers.X-Key`); empty for the configuration as a whole. */
  readonly field: string
  /** `problem` completes a sentence about the field: "must be a non-empty string". */
  constructor(field: string, problem: string) {
    super(`${field === '' ? 'The runner' : field} ${problem}`)
    this.name = 'ConfigFieldError'
    this.field = field
  }
}

export interface FieldReader {
  requiredString(key: string): string
  optionalString(key: string): string | undefined
  optionalEnum<T extends string>(key: string, values: readonly T[]): T | undefined
  optionalStringArray(key: string): string[] | undefined
  /** Header names must be HTTP tokens, values free of CR, LF and NUL. */
  optionalHeaders(key: string): Record<string, string> | undefined
  /** Environment variable names must be non-empty without `=` or NUL, values free of NUL. */
  optionalEnvironment(key: string): Record<string, string> | undefined
  requiredUrl(key: string, protocols: readonly string[]): string
  optionalInteger(key: string, min: number, max: number): number | undefined
  /** Throws for the first field no read asked for. */
  rejectUnknown(): void
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const NUL = /\u0000/
const HEADER_VALUE_FORBIDDEN = /[\r\n\u0000]/

export function createFieldReader(raw: unknown): FieldReader {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigFieldError('', 'must be a JSON object')
  const o = raw as Record<string, unknown>
  const read = new Set<string>()
  const get = (key: string): unknown => {
    read.add(key)
    return o[key]
  }

  const stringRecord = (key: string, check: (name: string, value: string) => string | null): Record<string, string> | undefined => {
    const v = get(key)
    if (v === undefined) return undefined
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigFieldError(key, 'must be an object of strings')
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(v)) {
      if (typeof value !== 'string') throw new ConfigFieldError(`${key}.${name}`, 'must be a string')
      const problem = check(name, value)
      if (problem) throw new ConfigFieldError(`${key}.${name}`, problem)
      out[name] = value
    }
    return out
  }

  const reader: FieldReader = {
    requiredString(key) {
      const v = reader.optionalString(key)
      if (v === undefined) throw new ConfigFieldError(key, 'is required')
      return v
    },
    optionalString(key) {
      const v = get(key)
      if (v === undefined) return undefined
      if (typeof v !== 'string' || v.trim() === '') throw new ConfigFieldError(key, 'must be a non-empty string')
      if (NUL.test(v)) throw new ConfigFieldError(key, 'must not contain NUL')
      return v
    },
    optionalEnum(key, values) {
      const v = get(key)
      if (v === undefined) return undefined
      const found = values.find((x) => x === v)
      if (found === undefined) throw new ConfigFieldError(key, `must be one of ${values.join(', ')}`)
      return found
    },
    optionalStringArray(key) {
      const v = get(key)
      if (v === undefined) return undefined
      if (!Array.isArray(v)) throw new ConfigFieldError(key, 'must be an array of strings')
      return v.map((item: unknown, i) => {
        if (typeof item !== 'string') throw new ConfigFieldError(`${key}[${i}]`, 'must be a string')
        if (NUL.test(item)) throw new ConfigFieldError(`${key}[${i}]`, 'must not contain NUL')
        return item
      })
    },
    optionalHeaders(key) {
      return stringRecord(key, (name, value) => {
        if (!HEADER_NAME.test(name)) return 'is not a valid header name'
        if (HEADER_VALUE_FORBIDDEN.test(value)) return 'must not contain CR, LF or NUL'
        return null
      })
    },
    optionalEnvironment(key) {
      return stringRecord(key, (name, value) => {
        if (name === '' || name.includes('=') || NUL.test(name)) return 'is not a valid variable name'
        if (NUL.test(value)) return 'must not contain NUL'
        return null
      })
    },
    requiredUrl(key, protocols) {
      const v = reader.requiredString(key)
      let url: URL
      try {
        url = new URL(v)
      } catch {
        throw new ConfigFieldError(key, 'must be an absolute URL')
      }
      if (!protocols.includes(url.protocol)) throw new ConfigFieldError(key, `must be a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL`)
      return v
    },
    optionalInteger(key, min, max) {
      const v = get(key)
      if (v === undefined) return undefined
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw new ConfigFieldError(key, `must be an integer from ${min} to ${max}`)
      }
      return v
    },
    rejectUnknown() {
      const unknown = Object.keys(o).find((key) => !read.has(key))
      if (unknown !== undefined) throw new ConfigFieldError(unknown, 'is not a field of this runner')
    },
  }
  return reader
}

/** The object without its undefined fields (configs are stored and compared as JSON). */
export function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
