/**
 * Pre-compressed copies of the built web UI: `name.br` and `name.gz` beside each text file, written
 * once at build time (the highest levels, since time spent here is spent once) and sent by the
 * server to browsers that accept them (`preCompressed` in `app.ts`). The dashboard's scripts and
 * styles are about 1.4 MB as built, about a quarter of that compressed.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.txt'])
/** Below this a compressed copy saves less than the headers it costs. */
const MIN_BYTES = 1024

export interface PrecompressResult {
  files: number
  bytes: number
  gzipBytes: number
  brotliBytes: number
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) yield* filesUnder(p)
    else if (entry.isFile()) yield p
  }
}

export function precompress(dir: string): PrecompressResult {
  const result: PrecompressResult = { files: 0, bytes: 0, gzipBytes: 0, brotliBytes: 0 }
  for (const file of filesUnder(dir)) {
    if (!COMPRESSIBLE.has(path.extname(file)) || statSync(file).size < MIN_BYTES) continue
    const raw = readFileSync(file)
    const gz = gzipSync(raw, { level: 9 })
    const br = brotliCompressSync(raw, {
      params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    })
    // A copy no smaller than the file is not worth a header saying so.
    if (gz.length < raw.length) writeFileSync(`${file}.gz`, gz)
    if (br.length < raw.length) writeFileSync(`${file}.br`, br)
    result.files++
    result.bytes += raw.length
    result.gzipBytes += Math.min(gz.length, raw.length)
    result.brotliBytes += Math.min(br.length, raw.length)
  }
  return result
}
