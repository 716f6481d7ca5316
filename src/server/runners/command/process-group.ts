/**
 * Runs one process in a process group of its own and stops the whole group when asked: the
 * command runner and the OpenClaw runner both run through here. Stopping sends SIGTERM to the
 * group, then SIGKILL once the grace period has passed and anything of the group still lives; the
 * promise settles only after that, so a stopped run (cancel, timeout, output cap) leaves no process
 * of its group running. A process that leaves the group on purpose (`setsid`) is out of reach, and
 * a run that ends by itself leaves alone what its command left running in the background.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { tooLargeMessage, type OutputCollector } from '../output-collector.js'
import { abortReason, errnoCode, errorMessage, withPartial } from '../runner-errors.js'
import { RunnerError } from '../runner.js'

export interface ProcessSpec {
  command: string
  args: readonly string[]
  /** Default is the server's working directory. */
  cwd?: string
  /** Added to (and overriding) the server's environment. Default is none. */
  env?: Record<string, string>
  /** Written to stdin, which is then closed; null gives the process an empty stdin. */
  stdin: string | null
}

export interface ProcessControl {
  /** Stops the process group; the promise then rejects with `signal.reason`. */
  signal: AbortSignal
  /** Takes decoded stdout; when it overflows, the group is stopped and the run fails with `output_too_large`. */
  stdout: OutputCollector
  /** Time between SIGTERM and SIGKILL. Default is 2000. */
  killGraceMs?: number
  /** Bytes of stderr kept (its end). Default is 65536. */
  maxStderrBytes?: number
}

export interface ProcessOutcome {
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** The end of stderr, at most `maxStderrBytes`. */
  stderr: string
}

export const DEFAULT_KILL_GRACE_MS = 2000
export const DEFAULT_MAX_STDERR_BYTES = 64 * 1024
const GROUP_POLL_MS = 50

/**
 * Resolves when the process has exited and its output is read, whatever its exit code; rejects
 * with a `RunnerError` when it could not start (`unavailable`), was stopped (the signal's reason)
 * or printed too much (`output_too_large`), always with what it printed so far.
 */
export function runInProcessGroup(spec: ProcessSpec, control: ProcessControl): Promise<ProcessOutcome> {
  const killGraceMs = control.killGraceMs ?? DEFAULT_KILL_GRACE_MS
  const stderr = createTailBuffer(control.maxStderrBytes ?? DEFAULT_MAX_STDERR_BYTES)
  const out = control.stdout

  return new Promise<ProcessOutcome>((resolve, reject) => {
    if (control.signal.aborted) return reject(abortReason(control.signal))
    const missingCwd = spec.cwd !== undefined && !isDirectory(spec.cwd)
    if (missingCwd) return reject(new RunnerError('unavailable', `Working directory not found: ${spec.cwd}`))

    let child: ChildProcess
    try {
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env ? { ...process.env, ...spec.env } : process.env,
        stdio: [spec.stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        // A new process group (setsid), so stopping reaches every process the command started.
        detached: true,
        windowsHide: true,
      })
    } catch (error) {
      // Synchronous spawn errors are bad arguments, e.g. a NUL byte in the input passed as an argument.
      return reject(new RunnerError('failed', `Could not start ${spec.command}: ${errorMessage(error)}`))
    }

    let settled = false
    let stopReason: RunnerError | undefined
    let killSentAt: number | undefined
    let closed = false
    const timers: NodeJS.Timeout[] = []
    const decoder = new StringDecoder('utf8')

    const meta = (code: number | null = null, sig: NodeJS.Signals | null = null): Record<string, unknown> => ({
      exit_code: code,
      signal: sig,
      stderr: stderr.text(),
    })

    const cleanup = (): void => {
      settled = true
      timers.forEach(clearTimeout)
      control.signal.removeEventListener('abort', onAbort)
    }

    const signalGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, sig)
      } catch (error) {
        if (errnoCode(error) === 'ESRCH') return
        // No process groups (Windows): stop the process itself.
        try {
          child.kill(sig)
        } catch {
          // Already gone.
        }
      }
    }

    const finishStopped = (code: number | null, sig: NodeJS.Signals | null): void => {
      if (settled || !stopReason) return
      // After SIGKILL, dying takes a moment (pipes close before the process is gone); wait for it, within bounds.
      const waitedOutKill = killSentAt !== undefined && Date.now() - killSentAt >= killGraceMs
      if (!waitedOutKill && child.pid !== undefined && groupHasLiveMembers(child.pid)) return
      cleanup()
      reject(withPartial(stopReason, out.text(), meta(code, sig)))
    }

    const stop = (reason: RunnerError): void => {
      if (stopReason || settled) return
      stopReason = reason
      signalGroup('SIGTERM')
      timers.push(
        setTimeout(() => {
          killSentAt = Date.now()
          signalGroup('SIGKILL')
          // A process outside the group may still hold the pipes open: stop waiting for them.
          timers.push(setTimeout(() => destroyStdio(child), killGraceMs))
          if (closed) finishStopped(child.exitCode, child.signalCode)
        }, killGraceMs),
      )
    }

    const onAbort = (): void => stop(abortReason(control.signal))
    control.signal.addEventListener('abort', onAbort, { once: true })

    child.stdout?.on('data', (chunk: Buffer) => {
      if (stopReason?.code === 'output_too_large') return
      if (!out.push(decoder.write(chunk))) {
        // Stop reading: the process gets EPIPE or SIGPIPE if it keeps writing.
        child.stdout?.destroy()
        stop(new RunnerError('output_too_large', tooLargeMessage(out)))
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.stdin?.on('error', () => {
      // EPIPE: the process exited or closed stdin without reading all of it; its exit code tells.
    })
    child.stdin?.end(spec.stdin ?? '')

    child.on('error', (error) => {
      if (settled || child.pid !== undefined) return
      cleanup()
      const code = errnoCode(error)
      if (code === 'ENOENT') reject(new RunnerError('unavailable', `Command not found: ${spec.command}`, { meta: { errno: code } }))
      else if (code === 'EACCES') reject(new RunnerError('unavailable', `Command not executable: ${spec.command}`, { meta: { errno: code } }))
      else reject(new RunnerError('failed', `Could not start ${spec.command}: ${error.message}`, { meta: { errno: code } }))
    })

    child.on('close', (code, sig) => {
      closed = true
      if (settled) return
      if (!stopReason) {
        const rest = decoder.end()
        if (rest !== '' && !out.push(rest)) {
          stopReason = new RunnerError('output_too_large', tooLargeMessage(out))
          cleanup()
          return reject(withPartial(stopReason, out.text(), meta(code, sig)))
        }
        cleanup()
        return resolve({ exitCode: code, signal: sig, stderr: stderr.text() })
      }
      // The leader is gone; wait until the rest of its group is too (or the grace period ends in SIGKILL).
      finishStopped(code, sig)
      if (settled) return
      const poll = setInterval(() => {
        finishStopped(code, sig)
        if (settled) clearInterval(poll)
      }, GROUP_POLL_MS)
      timers.push(poll)
    })
  })
}

function destroyStdio(child: ChildProcess): void {
  child.stdin?.destroy()
  child.stdout?.destroy()
  child.stderr?.destroy()
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/**
 * Whether any process of the group still runs. On Linux, zombies do not count: where PID 1 does
 * not reap orphans (some containers), killed grandchildren stay zombies forever, and `kill(-pgid, 0)`
 * would call the group alive until the grace period ends.
 */
export function groupHasLiveMembers(pgid: number): boolean {
  if (process.platform === 'linux') {
    try {
      return readdirSync('/proc').some((entry) => {
        if (!/^\d+$/.test(entry)) return false
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
          // Fields after "pid (comm) ": state, ppid, pgrp, …; comm may hold spaces and parentheses.
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
          return fields[2] === String(pgid) && fields[0] !== 'Z' && fields[0] !== 'X'
        } catch {
          return false
        }
      })
    } catch {
      // No /proc: fall through to kill(0).
    }
  }
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    return errnoCode(error) === 'EPERM'
  }
}

interface TailBuffer {
  push(chunk: Buffer): void
  text(): string
}

/** Keeps the last `maxBytes` of a byte stream. */
function createTailBuffer(maxBytes: number): TailBuffer {
  let chunks: Buffer[] = []
  let size = 0
  const compact = (): Buffer => {
    let all = Buffer.concat(chunks)
    if (all.length > maxBytes) all = all.subarray(all.length - maxBytes)
    chunks = [all]
    size = all.length
    return all
  }
  return {
    push(chunk) {
      chunks.push(chunk)
      size += chunk.length
      if (size > maxBytes * 2) compact()
    },
    text() {
      const all = compact()
      let start = 0
      // Skip a character cut in half at the start.
      while (start < all.length && ((all[start] ?? 0) & 0xc0) === 0x80) start++
      return all.toString('utf8', start)
    },
  }
}
