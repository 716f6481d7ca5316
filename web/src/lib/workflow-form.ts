import type { OnFailure, Workflow, WorkflowInput, WorkflowStep } from '@shared/workflows'
import { parseTemplate, WORKFLOW_LIMITS } from '@shared/workflows'

/** The placeholders a template may use, as written. */
export const PLACEHOLDERS = {
  input: '{{input}}',
  previous: '{{previous.output}}',
  step: (n: number | string): string => `{{steps.${n}.output}}`,
  literal: '{{{{',
} as const

/** One step as the form holds it: text fields as typed, the timeout in seconds. */
export interface StepDraft {
  /** Stable across moves, for the list's keys. */
  key: number
  name: string
  agent_id: string
  input: string
  on_failure: OnFailure
  timeoutSeconds: string
}

export interface WorkflowDraft {
  name: string
  description: string
  steps: StepDraft[]
}

/**
 * A problem with one field, named as the server names it in `details.field` (`name`,
 * `steps[1].input`…), with an i18n key under `workflows.form.errors` and its parameters.
 */
export interface FieldProblem {
  field: string
  message: string
  params?: Record<string, string | number>
}

/** The longest step timeout the server takes, in seconds (24 hours). */
export const MAX_TIMEOUT_SECONDS = 24 * 3600

let nextKey = 1

/** A new step at 1-based `position`: the first takes the run's input, a later one the output before it. */
export function newStep(position: number, agentId = ''): StepDraft {
  return {
    key: nextKey++,
    name: '',
    agent_id: agentId,
    input: position === 1 ? PLACEHOLDERS.input : PLACEHOLDERS.previous,
    on_failure: 'stop',
    timeoutSeconds: '',
  }
}

function stepDraft(step: WorkflowStep): StepDraft {
  return {
    key: nextKey++,
    name: step.name ?? '',
    agent_id: step.agent_id,
    input: step.input,
    on_failure: step.on_failure ?? 'stop',
    timeoutSeconds: step.timeout_ms === undefined ? '' : String(step.timeout_ms / 1000),
  }
}

export function toDraft(workflow: Workflow | null): WorkflowDraft {
  if (!workflow) return { name: '', description: '', steps: [newStep(1)] }
  return { name: workflow.name, description: workflow.description ?? '', steps: workflow.steps.map(stepDraft) }
}

const seconds = (raw: string): number | null => {
  const s = raw.trim()
  if (!/^\d+(\.\d+)?$/.test(s)) return null
  const n = Number(s)
  return n > 0 && n <= MAX_TIMEOUT_SECONDS ? n : null
}

/** What is sent; call after `validate` found nothing. */
export function toInput(draft: WorkflowDraft): WorkflowInput {
  return {
    name: draft.name.trim(),
    description: draft.description.trim() || null,
    steps: draft.steps.map((s) => {
      const step: WorkflowStep = { agent_id: s.agent_id, input: s.input, on_failure: s.on_failure }
      if (s.name.trim()) step.name = s.name.trim()
      const timeout = seconds(s.timeoutSeconds)
      if (timeout !== null) step.timeout_ms = Math.round(timeout * 1000)
      return step
    }),
  }
}

/** A template's problem, from the words of `parseTemplate`, as a translatable message. */
export function templateProblem(template: string, position: number): Omit<FieldProblem, 'field'> | null {
  const parsed = parseTemplate(template, position)
  if (parsed.ok) return null
  const m = parsed.message
  let match: RegExpExecArray | null
  if ((match = /^unclosed "\{\{" at character (\d+)/.exec(m))) return { message: 'unclosed', params: { n: Number(match[1]), braces: '{{' } }
  if (m.startsWith('the first step has no')) return { message: 'firstPrevious', params: { ph: PLACEHOLDERS.input } }
  if ((match = /^unknown placeholder (\{\{.*?\}\})/.exec(m))) {
    return { message: 'unknown', params: { ph: match[1] ?? '', input: PLACEHOLDERS.input, previous: PLACEHOLDERS.previous, step: PLACEHOLDERS.step('N') } }
  }
  if ((match = /^(\{\{steps\.\d+\.output\}\}) must name an earlier step/.exec(m))) {
    const ph = match[1] ?? ''
    return position <= 1 ? { message: 'laterStepFirst', params: { ph } } : { message: 'laterStep', params: { ph, last: position - 1 } }
  }
  // A wording this build does not know: shown as the shared parser says it.
  return { message: 'raw', params: { text: m } }
}

/** Everything the server would refuse that the browser can tell by itself. */
export function validate(draft: WorkflowDraft): FieldProblem[] {
  const problems: FieldProblem[] = []
  const name = draft.name.trim()
  if (!name) problems.push({ field: 'name', message: 'required' })
  else if (name.length > WORKFLOW_LIMITS.maxNameLength) problems.push({ field: 'name', message: 'tooLong', params: { n: WORKFLOW_LIMITS.maxNameLength } })
  // The CLI takes a name where it takes an id: digits alone would read as one.
  else if (/^\d+$/.test(name)) problems.push({ field: 'name', message: 'nameDigits' })
  if (draft.description.trim().length > WORKFLOW_LIMITS.maxDescriptionLength) {
    problems.push({ field: 'description', message: 'tooLong', params: { n: WORKFLOW_LIMITS.maxDescriptionLength } })
  }
  if (draft.steps.length === 0) problems.push({ field: 'steps', message: 'noSteps' })
  if (draft.steps.length > WORKFLOW_LIMITS.maxSteps) problems.push({ field: 'steps', message: 'tooManySteps', params: { n: WORKFLOW_LIMITS.maxSteps } })
  draft.steps.forEach((step, i) => {
    const at = `steps[${i}]`
    if (step.name.trim().length > WORKFLOW_LIMITS.maxNameLength) {
      problems.push({ field: `${at}.name`, message: 'tooLong', params: { n: WORKFLOW_LIMITS.maxNameLength } })
    }
    if (!step.agent_id) problems.push({ field: `${at}.agent_id`, message: 'required' })
    if (!step.input) problems.push({ field: `${at}.input`, message: 'required' })
    else if (step.input.length > WORKFLOW_LIMITS.maxTemplateLength) {
      problems.push({ field: `${at}.input`, message: 'tooLong', params: { n: WORKFLOW_LIMITS.maxTemplateLength } })
    } else {
      const problem = templateProblem(step.input, i + 1)
      if (problem) problems.push({ field: `${at}.input`, ...problem })
    }
    if (step.timeoutSeconds.trim() && seconds(step.timeoutSeconds) === null) {
      problems.push({ field: `${at}.timeout_ms`, message: 'timeout', params: { max: MAX_TIMEOUT_SECONDS } })
    }
  })
  return problems
}

/** `details.field` of a 400 answer, when it names one. */
export function fieldOf(details: unknown): string | null {
  if (typeof details !== 'object' || details === null || !('field' in details)) return null
  const field = (details as { field: unknown }).field
  return typeof field === 'string' ? field : null
}

/** The step a field belongs to (`steps[2].input` → 2), or null. */
export function stepIndexOf(field: string): number | null {
  const m = /^steps\[(\d+)\]/.exec(field)
  return m ? Number(m[1]) : null
}
