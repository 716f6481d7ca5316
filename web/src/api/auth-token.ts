/**
 * Where the dashboard keeps its API token. The server prints `…/#/?token=XYZ`: the token travels in
 * the hash fragment so it never reaches a server log, and is moved to localStorage on first load.
 */

const STORAGE_KEY = 'switchboard.token'

export function loadToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY)
  } catch {
    return null
  }
}

export function saveToken(token: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, token)
  } catch {
    // Private mode without storage: the token then lives only as long as the tab.
  }
}

export function clearToken(): void {
  try {
    localStorage.removeItem(STORAGE_KEY)
  } catch {
    // Nothing stored, nothing to clear.
  }
}

/**
 * Takes `token` out of the address (hash query or search string), stores it, and rewrites the
 * address without it so it does not linger in history, bookmarks or screenshots.
 * Returns the token that was found, if any.
 */
export function adoptTokenFromLocation(loc: Location = window.location, hist: History = window.history): string | null {
  let found: string | null = null

  const search = new URLSearchParams(loc.search)
  if (search.has('token')) {
    found = search.get('token')
    search.delete('token')
  }

  let hash = loc.hash
  const q = hash.indexOf('?')
  if (q >= 0) {
    const hashParams = new URLSearchParams(hash.slice(q + 1))
    if (hashParams.has('token')) {
      found = hashParams.get('token') ?? found
      hashParams.delete('token')
      const rest = hashParams.toString()
      hash = hash.slice(0, q) + (rest ? `?${rest}` : '')
    }
  }

  if (found === null) return null
  const token = found.trim()
  const searchString = search.toString()
  hist.replaceState(hist.state, '', `${loc.pathname}${searchString ? `?${searchString}` : ''}${hash || '#/'}`)
  if (token) saveToken(token)
  return token || null
}
