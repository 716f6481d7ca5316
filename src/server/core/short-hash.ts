/** A short stable hash (two 32-bit FNV-1a lanes, base 36) for ids and signatures. */
export function shortHash(text: string): string {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
  }
  return base36(a >>> 0) + base36(b >>> 0)
}

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'

/**
 * `n.toString(36)` for an unsigned 32-bit integer, written out: the built-in radix conversion
 * handles fractions and costs about as much as the whole hash loop, and ids are hashed per record.
 */
export function base36(n: number): string {
  let out = ''
  do {
    const q = Math.floor(n / 36)
    out = DIGITS[n - q * 36] + out
    n = q
  } while (n > 0)
  return out
}
