/**
 * `switchboard workflows …`: list, show, create, update, delete and run workflows (seed 002).
 * A workflow is named by its id or its name. Definitions come from a JSON file (the shape
 * `workflows show --json` prints) or from `--step <agent>=<template>` flags.
 */
import { readFileSync } from 'node:fs'
import type { Execution } from '../shared/executions.js'
import type { Workflow, WorkflowInput, WorkflowStep, WorkflowsList } from '../shared/workflows.js'
import { processIo, table, type CliIo } from './agents.command.js'
import { createOperatorCall, OperatorApiError, type OperatorCall } from './operator-api.js'
import { followExecution } from './test.command.js'

export interface WorkflowsContext {
  url: string
  token: string
  json: boolean
  io?: CliIo
  /** Reads `--file -`; default is the process's stdin. */
  readStdin?: () => string
}

export interface DefinitionOptions {
  /** A JSON file with `{name, description?, steps}`; `-` is stdin. */
  file?: string
  name?: string
  description?: string
  /** `<agent>=<template>`, in order. */
  step?: string[]
  /** 1-based numbers of the steps that continue on failure. */
  continueOnFailure?: number[]
}

class UsageError extends Error {}

async function guarded(ctx: WorkflowsContext, fn: (io: CliIo, call: OperatorCall) => Promise<number | void>): Promise<number> {
  const io = ctx.io ?? processIo
  try {
    return (await fn(io, createOperatorCall(ctx))) ?? 0
  } catch (err) {
    if (err instanceof OperatorApiError || err instanceof UsageError) {
      io.err(`switchboard: ${err.message}\n`)
      return 1
    }
    throw err
  }
}

const printJson = (io: CliIo, value: unknown): void => io.out(`${JSON.stringify(value, null, 2)}\n`)

/** Finds a workflow by id (digits) or by exact name. */
async function resolve(call: OperatorCall, ref: string): Promise<Workflow> {
  if (/^\d+$/.test(ref)) return call<Workflow>('GET', `/api/workflows/${ref}`)
  const { workflows } = await call<WorkflowsList>('GET', '/api/workflows')
  const found = workflows.find((w) => w.name === ref)
  if (!found) throw new UsageError(`no workflow named "${ref}" (see: switchboard workflows list)`)
  return found
}

export function formatWorkflows(workflows: Workflow[]): string {
  if (workflows.length === 0) return 'No workflows yet. Create one with: switchboard workflows create <name> --step <agent>=<input> …\n'
  const rows = [['ID', 'NAME', 'STEPS', 'AGENTS']]
  for (const w of workflows) rows.push([String(w.id), w.name, String(w.steps.length), w.steps.map((s) => s.agent_id).join(' → ')])
  return table(rows)
}

export function formatWorkflow(w: Workflow): string {
  const lines = [`${w.name} (id ${w.id})`]
  if (w.description) lines.push(`  ${w.description}`)
  lines.push(`  updated ${w.updated_at}`, '')
  w.steps.forEach((s, i) => {
    const extras = [s.on_failure === 'continue' ? 'continues on failure' : 'stops on failure', ...(s.timeout_ms ? [`timeout ${s.timeout_ms} ms`] : [])]
    lines.push(`  ${i + 1}. ${s.name ? `${s.name} — ` : ''}${s.agent_id}  (${extras.join(', ')})`)
    for (const l of s.input.split('\n')) lines.push(`       ${l}`)
  })
  return `${lines.join('\n')}\n`
}

/** The definition a create or update sends: the file's, with flags overriding it. */
export function definitionFrom(o: DefinitionOptions, base: WorkflowInput | null, readStdin: () => string): WorkflowInput {
  let def: Partial<WorkflowInput> = base ? { ...base } : {}
  if (o.file) {
    const text = o.file === '-' ? readStdin() : readFileSync(o.file, 'utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new UsageError(`${o.file === '-' ? 'stdin' : o.file} is not JSON: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('the file must hold a JSON object {name, description, steps}')
    const { name, description, steps } = parsed as Partial<WorkflowInput>
    def = { ...def, ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}), ...(steps !== undefined ? { steps } : {}) }
  }
  if (o.name !== undefined) def.name = o.name
  if (o.description !== undefined) def.description = o.description
  if (o.step?.length) {
    def.steps = o.step.map((spec): WorkflowStep => {
      const eq = spec.indexOf('=')
      if (eq <= 0) throw new UsageError(`--step "${spec}": write it as <agent>=<input template>`)
      return { agent_id: spec.slice(0, eq), input: spec.slice(eq + 1), on_failure: 'stop' }
    })
  }
  for (const n of o.continueOnFailure ?? []) {
    const step = def.steps?.[n - 1]
    if (!step) throw new UsageError(`--continue-on-failure ${n}: there is no step ${n}`)
    def.steps = def.steps!.map((s, i) => (i === n - 1 ? { ...s, on_failure: 'continue' } : s))
  }
  if (!def.name) throw new UsageError('a workflow needs a name')
  if (!def.steps?.length) throw new UsageError('a workflow needs steps: --step <agent>=<input template> (repeatable) or --file')
  return { name: def.name, description: def.description ?? null, steps: def.steps }
}

const readStdinDefault = (): string => readFileSync(0, 'utf8')

export function runWorkflowsList(ctx: WorkflowsContext): Promise<number> {
  return guarded(ctx, async (io, call) => {
    const { workflows } = await call<WorkflowsList>('GET', '/api/workflows')
    if (ctx.json) printJson(io, workflows)
    else io.out(formatWorkflows(workflows))
  })
}

export function runWorkflowsShow(ctx: WorkflowsContext, ref: string): Promise<number> {
  return guarded(ctx, async (io, call) => {
    const w = await resolve(call, ref)
    if (ctx.json) printJson(io, w)
    else io.out(formatWorkflow(w))
  })
}

export function runWorkflowsCreate(ctx: WorkflowsContext, name: string | undefined, o: DefinitionOptions): Promise<number> {
  return guarded(ctx, async (io, call) => {
    const def = definitionFrom({ ...o, ...(name !== undefined ? { name } : {}) }, null, ctx.readStdin ?? readStdinDefault)
    const w = await call<Workflow>('POST', '/api/workflows', def)
    if (ctx.json) printJson(io, w)
    else io.out(`created workflow ${w.id} "${w.name}" with ${w.steps.length} step${w.steps.length === 1 ? '' : 's'}\n`)
  })
}

export function runWorkflowsUpdate(ctx: WorkflowsContext, ref: string, o: DefinitionOptions): Promise<number> {
  return guarded(ctx, async (io, call) => {
    const current = await resolve(call, ref)
    const def = definitionFrom(o, { name: current.name, description: current.description, steps: current.steps }, ctx.readStdin ?? readStdinDefault)
    const w = await call<Workflow>('PUT', `/api/workflows/${current.id}`, def)
    if (ctx.json) printJson(io, w)
    else io.out(`updated workflow ${w.id} "${w.name}"\n`)
  })
}

export function runWorkflowsDelete(ctx: WorkflowsContext, ref: string): Promise<number> {
  return guarded(ctx, async (io, call) => {
    const w = await resolve(call, ref)
    await call('DELETE', `/api/workflows/${w.id}`)
    if (!ctx.json) io.out(`deleted workflow ${w.id} "${w.name}" (its past runs stay in the history)\n`)
  })
}

/** Exit code with `--wait`: 0 only when the run succeeded. */
export function runWorkflowsRun(ctx: WorkflowsContext, ref: string, o: { input?: string; wait: boolean }): Promise<number> {
  return guarded(ctx, async (io, call) => {
    const w = await resolve(call, ref)
    const started = await call<Execution>('POST', `/api/workflows/${w.id}/run`, o.input !== undefined ? { input: o.input } : {})
    if (!o.wait) {
      if (ctx.json) printJson(io, started)
      else io.out(`execution ${started.id} ${started.status}\n`)
      return 0
    }
    let step: number | null = null
    let endedWithNewline = true
    const final = await followExecution(ctx, started.id, (u) => {
      if (ctx.json || u.step_index === null) return
      if (u.step_index !== step && u.status === 'running') {
        step = u.step_index
        const s = w.steps[step]
        io.out(`${endedWithNewline ? '' : '\n'}── step ${step + 1}/${w.steps.length}: ${s?.name ? `${s.name} — ` : ''}${s?.agent_id ?? '?'}\n`)
        endedWithNewline = true
      }
      if (u.output_chunk) {
        io.out(u.output_chunk)
        endedWithNewline = u.output_chunk.endsWith('\n')
      }
    })
    if (ctx.json) printJson(io, final)
    else {
      if (!endedWithNewline) io.out('\n')
      const failed = final.steps.filter((s) => s.status === 'failed').length
      const note = final.status === 'succeeded' && failed > 0 ? ` (${failed} step${failed === 1 ? '' : 's'} failed and continued)` : ''
      io.out(`execution ${final.id} ${final.status}${note}${final.error_message ? `: ${final.error_message}` : ''}\n`)
    }
    return final.status === 'succeeded' ? 0 : 1
  })
}
