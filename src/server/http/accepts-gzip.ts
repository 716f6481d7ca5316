/**
 * Whether an `Accept-Encoding` header (RFC 9110 §12.5.3) lets the answer be gzip-compressed:
 * `gzip` (or its old alias `x-gzip`) with a weight above zero, or `*` above zero when gzip is not
 * named. `gzip;q=0` refuses it, whatever `*` says; so does a weight that is not a number (the plain
 * answer is always safe).
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false
  const lower = header.toLowerCase()
  if (!lower.includes('gzip') && !lower.includes('*')) return false
  let star = false
  for (const part of lower.split(',')) {
    const [name = '', ...params] = part.split(';')
    const coding = name.trim()
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue
    let q = 1
    for (const p of params) {
      const m = /^\s*q\s*=\s*(.*?)\s*$/.exec(p)
      if (m) q = /^[0-9.]+$/.test(m[1]!) ? Number(m[1]) : NaN
    }
    const accepted = Number.isFinite(q) && q > 0
    if (coding === '*') star = accepted
    else return accepted
  }
  return star
}
