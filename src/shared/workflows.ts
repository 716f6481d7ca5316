/**
 * Workflows (seed 002): stored, ordered steps, each an agent and an input template. A run is one
 * execution of type `workflow` whose `steps` record what each step got and gave.
 *
 * Templates: `{{input}}` is the run's input, `{{previous.output}}` the output of the step before
 * (empty when it gave none), `{{steps.N.output}}` the output of step N (1-based, an earlier step).
 * `{{{{` writes a literal `{{`. Anything else between `{{ }}` is rejected when the workflow is saved.
 */

export type OnFailure = 'stop' | 'continue'

export interface WorkflowStep {
  /** Optional label shown in the UI. */
  name?: string
  agent_id: string
  /** Input template (see above). */
  input: string
  /** `stop` (default): a failure ends the run as failed and skips the rest. `continue`: go on. */
  on_failure?: OnFailure
  /** Overrides the agent runner's timeout for this step. */
  timeout_ms?: number
}

export interface Workflow {
  id: number
  /** Unique; the CLI accepts it in place of the id. */
  name: string
  description: string | null
  steps: WorkflowStep[]
  created_at: string
  updated_at: string
}

/** Body of `POST /api/workflows` and `PUT /api/workflows/{id}`. */
export interface WorkflowInput {
  name: string
  description?: string | null
  steps: WorkflowStep[]
}

/** Body of `POST /api/workflows/{id}/run`. */
export interface RunWorkflowRequest {
  /** What `{{input}}` renders to. Default is empty. */
  input?: string
}

export interface WorkflowsList {
  workflows: Workflow[]
}

export const WORKFLOW_LIMITS = {
  maxSteps: 50,
  maxNameLength: 100,
  maxDescriptionLength: 2000,
  maxTemplateLength: 100_000,
  maxInputLength: 100_000,
} as const

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'input' }
  | { kind: 'previous' }
  | { kind: 'step'; step: number }

export type TemplateParse = { ok: true; parts: TemplatePart[] } | { ok: false; message: string }

/**
 * Parses an input template. `position` is the step's 1-based number: `{{previous.output}}` needs
 * one before it and `{{steps.N.output}}` needs N < position.
 */
export function parseTemplate(template: string, position: number): TemplateParse {
  const parts: TemplatePart[] = []
  let text = ''
  let i = 0
  while (i < template.length) {
    const open = template.indexOf('{{', i)
    if (open < 0) {
      text += template.slice(i)
      break
    }
    text += template.slice(i, open)
    if (template.startsWith('{{{{', open)) {
      text += '{{'
      i = open + 4
      continue
    }
    const close = template.indexOf('}}', open + 2)
    if (close < 0) return { ok: false, message: `unclosed "{{" at character ${open + 1}` }
    const name = template.slice(open + 2, close).trim()
    let part: TemplatePart | null = null
    if (name === 'input') part = { kind: 'input' }
    else if (name === 'previous.output') {
      if (position <= 1) return { ok: false, message: 'the first step has no {{previous.output}}' }
      part = { kind: 'previous' }
    } else {
      const m = /^steps\.(\d{1,3})\.output$/.exec(name)
      if (!m) return { ok: false, message: `unknown placeholder {{${name}}}: use {{input}}, {{previous.output}} or {{steps.N.output}}` }
      const n = Number(m[1])
      if (n < 1 || n >= position) return { ok: false, message: `{{steps.${n}.output}} must name an earlier step (1 to ${position - 1})` }
      part = { kind: 'step', step: n }
    }
    if (text) parts.push({ kind: 'text', text })
    text = ''
    parts.push(part)
    i = close + 2
  }
  if (text) parts.push({ kind: 'text', text })
  return { ok: true, parts }
}

/** Renders parsed parts; `outputs[k]` is the output of step k+1 (null when it gave none). */
export function renderTemplate(parts: readonly TemplatePart[], input: string, outputs: readonly (string | null)[]): string {
  let s = ''
  for (const p of parts) {
    if (p.kind === 'text') s += p.text
    else if (p.kind === 'input') s += input
    else if (p.kind === 'previous') s += outputs[outputs.length - 1] ?? ''
    else s += outputs[p.step - 1] ?? ''
  }
  return s
}
