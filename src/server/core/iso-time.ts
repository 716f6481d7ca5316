/**
 * ISO 8601 text of a time in ms, for the times stamped on every heartbeat. V8's
 * `Date.prototype.toISOString` formats through a general date formatter (about 7,000 instructions
 * a call on Node 20); here the date and time to the second are formatted once a second and the
 * milliseconds appended, and calls within one millisecond share one string. Same text as
 * `toISOString` for every time; those outside years 1970–9999 or not whole ms go to it directly.
 */
const LAST_MS = 253_402_300_799_999 // 9999-12-31T23:59:59.999Z

let second = NaN
let prefix = ''
let lastAt = NaN
let lastText = ''

export function isoTime(t: number): string {
  if (t === lastAt) return lastText
  if (!Number.isInteger(t) || t < 0 || t > LAST_MS) return new Date(t).toISOString()
  const s = Math.floor(t / 1000)
  if (s !== second) {
    second = s
    prefix = new Date(s * 1000).toISOString().slice(0, 20) // `YYYY-MM-DDTHH:MM:SS.`
  }
  const ms = t - s * 1000
  lastAt = t
  lastText = `${prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`
  return lastText
}
