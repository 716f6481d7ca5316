/**
 * The paced load in a process of its own, so that its timers and its collector are those of a
 * small heap and not of the benchmark runner's: prints one JSON line, the `LoadResult`.
 * Usage: node --import tsx bench/paced-load.process.ts '<PacedOptions as JSON>'
 */
import { pacedLoad, type PacedOptions } from './paced-load.js'

const options = JSON.parse(process.argv[2] ?? 'null') as PacedOptions | null
if (!options) {
  process.stderr.write("usage: paced-load.process.ts '<options JSON>'\n")
  process.exit(2)
}
process.stdout.write(`${JSON.stringify(await pacedLoad(options))}\n`)
