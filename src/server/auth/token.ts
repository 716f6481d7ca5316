/**
 * The server token. With none configured one is generated, kept in `<data-dir>/token` (mode 0600)
 * and printed with the dashboard URL, the way Jupyter does.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { makeDataDir } from '../store/data-dir.js'

/** Base64url, so the token is also a valid WebSocket subprotocol token. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url')
}

export function isValidTokenSyntax(token: string): boolean {
  return /^[A-Za-z0-9_-]{8,256}$/.test(token)
}

export function resolveToken(dataDir: string, configured?: string): { token: string; generated: boolean; file: string | null } {
  if (configured) {
    if (!isValidTokenSyntax(configured)) {
      throw new Error('The token must be 8–256 characters of A–Z, a–z, 0–9, "-" or "_"')
    }
    return { token: configured, generated: false, file: null }
  }
  const file = path.join(dataDir, 'token')
  try {
    const saved = readFileSync(file, 'utf8').trim()
    if (isValidTokenSyntax(saved)) return { token: saved, generated: false, file }
  } catch {
    // No saved token yet: make one below.
  }
  makeDataDir(dataDir)
  const token = generateToken()
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  return { token, generated: true, file }
}

export function createTokenCheck(expected: string): (candidate: string | undefined | null) => boolean {
  const want = Buffer.from(expected)
  return (candidate) => {
    if (!candidate) return false
    const got = Buffer.from(candidate)
    return got.length === want.length && timingSafeEqual(got, want)
  }
}

/** The token from an `Authorization: Bearer …` header, if any. */
export function bearerFrom(header: string | undefined): string | null {
  if (!header) return null
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m ? m[1]! : null
}
