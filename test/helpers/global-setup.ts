/** Integration and browser tests run the built server, as users do: build it once first. */
import { execFileSync } from 'node:child_process'
import { repoRoot } from './test-server.js'

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-server.js'], { cwd: repoRoot, stdio: 'inherit' })
}
