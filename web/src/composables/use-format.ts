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

const DATE_TIME: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
}
const CLOCK: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }
const CLOCK_WITH_DATE: Intl.DateTimeFormatOptions = { ...CLOCK, month: 'short', day: 'numeric' }
const COMPACT: Intl.NumberFormatOptions = { notation: 'compact', maximumFractionDigits: 1 }
const USD: Intl.NumberFormatOptions = { style: 'currency', currency: 'USD', maximumFractionDigits: 2 }
const USD_SMALL: Intl.NumberFormatOptions = { style: 'currency', currency: 'USD', maximumSignificantDigits: 3 }
const USD_OTHER: Intl.NumberFormatOptions = { style: 'currency', currency: 'USD' }
const PERCENT: Intl.NumberFormatOptions = { style: 'percent', maximumFractionDigits: 1 }

/**
 * Building an `Intl` formatter (which `toLocaleString` with options does on every call) costs far
 * more than formatting: a dashboard of 1,000 agents spent over a second in it. One per locale and
 * kind, built on first use.
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>()
const numberFormats = new Map<string, Intl.NumberFormat>()

function cachedFormat(locale: string, kind: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${kind} ${locale}`
  let format = dateFormats.get(key)
  if (!format) dateFormats.set(key, (format = new Intl.DateTimeFormat(locale, options)))
  return format
}

function cachedNumber(locale: string, kind: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${kind} ${locale}`
  let format = numberFormats.get(key)
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, options)))
  return format
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

  const dateTime = (timestamp: number) => cachedFormat(locale.value, 'dateTime', DATE_TIME).format(timestamp)

  function clock(timestamp: number, now: number): string {
    const date = new Date(timestamp)
    const sameDay = new Date(now).toDateString() === date.toDateString()
    return sameDay
      ? cachedFormat(locale.value, 'clock', CLOCK).format(date)
      : cachedFormat(locale.value, 'clockWithDate', CLOCK_WITH_DATE).format(date)
  }

  const compact = (n: number) => cachedNumber(locale.value, 'compact', COMPACT).format(n)
  const integer = (n: number) => cachedNumber(locale.value, 'integer', {}).format(n)
  // Mock and small models cost fractions of a cent; two decimals would show $0.00 for everything.
  const usd = (n: number) =>
    n > 0 && n < 1
      ? cachedNumber(locale.value, 'usdCents', USD_SMALL).format(n)
      : n >= 1
        ? cachedNumber(locale.value, 'usd', USD).format(n)
        : cachedNumber(locale.value, 'usdOther', USD_OTHER).format(n)

  const percent = (n: number) => cachedNumber(locale.value, 'percent', PERCENT).format(n / 100)

  return { relative, duration, dateTime, clock, compact, integer, usd, percent }
}
