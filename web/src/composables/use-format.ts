import { useI18n } from 'vue-i18n'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export interface Formatters {
  /** "12s ago", "3 min ago"; "in 2m 5s" for a time still ahead. */
  relative: (timestamp: number | null, now: number) => string
  /** "2m 14s", "1h 05m"; never negative. */
  duration: (ms: number) => string
  /** Local date and time, with seconds. */
  dateTime: (timestamp: number) => string
  /** Local time of day; the date too when it is not today. */
  clock: (timestamp: number, now: number) => string
  /** "12.3k", "1.2M". */
  compact: (n: number) => string
  integer: (n: number) => string
  usd: (n: number) => string
  /** A 0–100 usage as "45.5%": one decimal at most. */
  percent: (n: number) => string
}

/** Formatting in the active locale. Functions take `now` so callers tick with `useNow()`. */
export function useFormat(): Formatters {
  const { t, locale } = useI18n()

  function duration(ms: number): string {
    const total = Math.max(0, Math.round(ms / SECOND))
    const d = Math.floor(total / 86_400)
    const h = Math.floor((total % 86_400) / 3600)
    const m = Math.floor((total % 3600) / 60)
    const s = total % 60
    if (d > 0) return t('duration.days', { d, h })
    if (h > 0) return t('duration.hours', { h, m: String(m).padStart(2, '0') })
    if (m > 0) return t('duration.minutes', { m, s: String(s).padStart(2, '0') })
    return t('duration.seconds', { s })
  }

  function relative(timestamp: number | null, now: number): string {
    if (timestamp === null) return t('time.never')
    const diff = now - timestamp
    // Clocks of the agent host and the browser drift a little: a few seconds ahead is still "now".
    if (diff < -5 * SECOND) return t('time.inFuture', { d: duration(-diff) })
    if (diff < 5 * SECOND) return t('time.justNow')
    if (diff < MINUTE) return t('time.secondsAgo', { n: Math.floor(diff / SECOND) })
    if (diff < HOUR) return t('time.minutesAgo', { n: Math.floor(diff / MINUTE) })
    if (diff < DAY) return t('time.hoursAgo', { n: Math.floor(diff / HOUR) })
    return t('time.daysAgo', { n: Math.floor(diff / DAY) })
  }

  function dateTime(timestamp: number): string {
    return new Date(timestamp).toLocaleString(locale.value, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    })
  }

  function clock(timestamp: number, now: number): string {
    const date = new Date(timestamp)
    const sameDay = new Date(now).toDateString() === date.toDateString()
    return date.toLocaleString(locale.value, {
      ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    })
  }

  const compact = (n: number) =>
    new Intl.NumberFormat(locale.value, { notation: 'compact', maximumFractionDigits: 1 }).format(n)
  const integer = (n: number) => new Intl.NumberFormat(locale.value).format(n)
  const usd = (n: number) =>
    new Intl.NumberFormat(locale.value, {
      style: 'currency',
      currency: 'USD',
      // Mock and small models cost fractions of a cent; two decimals would show $0.00 for everything.
      maximumSignificantDigits: n > 0 && n < 1 ? 3 : undefined,
      maximumFractionDigits: n >= 1 ? 2 : undefined,
    }).format(n)

  const percent = (n: number) =>
    new Intl.NumberFormat(locale.value, { style: 'percent', maximumFractionDigits: 1 }).format(n / 100)

  return { relative, duration, dateTime, clock, compact, integer, usd, percent }
}
