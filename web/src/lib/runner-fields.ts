import type { RunnerConfig, RunnerKind, RunnerLimits } from '@shared/executions'
import type { AgentRunner } from '@/api/http-client'

/**
 * The runner form, as data: each kind lists its fields, and one generic form draws any of them and
 * turns what was typed into a `RunnerConfig`. A new kind is one more entry here.
 */

/** How a field is typed in and sent. */
export type FieldType =
  /** One line of text, sent as a string; empty is left out. */
  | 'text'
  /** One value per line (or a JSON array), sent as `string[]`. */
  | 'list'
  /** `KEY<sep>value` per line, sent as `Record<string, string>`. */
  | 'pairs'
  /** One of `options`. */
  | 'select'
  /** A whole number above 0. */
  | 'number'

export interface RunnerField {
  /** The config's property; also the key of its label (`runner.fields.<key>`). */
  key: string
  type: FieldType
  required?: boolean
  /** Shown in a monospace font: programs, paths, URLs. */
  mono?: boolean
  placeholder?: string
  /** `runner.hints.<key>` exists. */
  hint?: boolean
  /** For `select`: value and the key of its label under `runner.options`. */
  options?: { value: string; label: string }[]
  /** For `pairs`: what separates a key from its value. */
  separator?: string
}

export const RUNNER_KINDS: readonly RunnerKind[] = ['command', 'http', 'websocket', 'openclaw']

export const RUNNER_FIELDS: Record<RunnerKind, RunnerField[]> = {
  command: [
    { key: 'command', type: 'text', required: true, mono: true, placeholder: 'python3' },
    { key: 'args', type: 'list', mono: true, hint: true, placeholder: 'agent.py\n--quiet' },
    {
      key: 'input_mode',
      type: 'select',
      options: [
        { value: 'stdin', label: 'stdin' },
        { value: 'argument', label: 'argument' },
      ],
    },
    { key: 'cwd', type: 'text', mono: true, placeholder: '/srv/agent' },
    { key: 'env', type: 'pairs', mono: true, hint: true, separator: '=', placeholder: 'MODEL=gpt-4o' },
  ],
  http: [
    { key: 'url', type: 'text', required: true, mono: true, placeholder: 'https://agent.internal/run' },
    {
      key: 'format',
      type: 'select',
      options: [
        { value: 'raw', label: 'raw' },
        { value: 'openai-chat', label: 'openaiChat' },
      ],
    },
    { key: 'model', type: 'text', mono: true },
    { key: 'headers', type: 'pairs', mono: true, hint: true, separator: ':', placeholder: 'Authorization: Bearer …' },
  ],
  websocket: [
    { key: 'url', type: 'text', required: true, mono: true, placeholder: 'wss://agent.internal/session' },
    { key: 'headers', type: 'pairs', mono: true, hint: true, separator: ':' },
  ],
  openclaw: [
    { key: 'agent', type: 'text', mono: true, hint: true },
    { key: 'openclaw_bin', type: 'text', mono: true, hint: true },
    { key: 'state_dir', type: 'text', mono: true, hint: true },
  ],
}

/** Limits every kind has. */
export const LIMIT_FIELDS: RunnerField[] = [
  { key: 'timeout_ms', type: 'number', hint: true, placeholder: '120000' },
  { key: 'max_output_bytes', type: 'number', hint: true, placeholder: '1048576' },
]

/** What the form holds: every field as typed text. */
export type RunnerFormValues = Record<string, string>

/** A field the form cannot send as typed, with the message key and its parameters. */
export interface FieldProblem {
  key: string
  message: string
  params?: Record<string, unknown>
}

const fieldsOf = (kind: RunnerKind): RunnerField[] => [...RUNNER_FIELDS[kind], ...LIMIT_FIELDS]

function listToText(values: string[]): string {
  // A value with a line break in it (an inline script) cannot be one line of many.
  return values.some((v) => v.includes('\n')) ? JSON.stringify(values) : values.join('\n')
}

function textToList(text: string): string[] | null {
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed)
      return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : null
    } catch {
      return null
    }
  }
  return text.split('\n').filter((line) => line.trim() !== '')
}

function textToPairs(text: string, separator: string): Record<string, string> | number {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue
    const at = line.indexOf(separator)
    if (at <= 0) return i + 1
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  }
  return out
}

/** The form's text for a saved runner (or the empty form of a kind). */
export function toFormValues(runner: AgentRunner | null, kind: RunnerKind): RunnerFormValues {
  const source = (runner?.kind === kind ? runner : {}) as Record<string, unknown>
  const values: RunnerFormValues = {}
  for (const field of fieldsOf(kind)) {
    const v = source[field.key]
    if (v === undefined || v === null) values[field.key] = field.type === 'select' ? (field.options?.[0]?.value ?? '') : ''
    else if (field.type === 'list') values[field.key] = listToText(v as string[])
    else if (field.type === 'pairs') {
      const sep = field.separator === ':' ? ': ' : (field.separator ?? '=')
      values[field.key] = Object.entries(v as Record<string, string>)
        .map(([k, val]) => `${k}${sep}${val}`)
        .join('\n')
    } else values[field.key] = String(v)
  }
  return values
}

/** The runner to send, or what is wrong with the form. */
export function toRunner(kind: RunnerKind, values: RunnerFormValues): { runner: AgentRunner } | { problems: FieldProblem[] } {
  const out: Record<string, unknown> = { kind }
  const problems: FieldProblem[] = []
  for (const field of fieldsOf(kind)) {
    const text = values[field.key] ?? ''
    if (!text.trim()) {
      if (field.required) problems.push({ key: field.key, message: 'runner.required' })
      continue
    }
    switch (field.type) {
      case 'text':
      case 'select':
        out[field.key] = text.trim()
        break
      case 'number': {
        const n = Number(text.trim())
        if (!Number.isInteger(n) || n <= 0) problems.push({ key: field.key, message: 'runner.badNumber' })
        else out[field.key] = n
        break
      }
      case 'list': {
        const list = textToList(text)
        if (list === null) problems.push({ key: field.key, message: 'runner.badList' })
        else out[field.key] = list
        break
      }
      case 'pairs': {
        const sep = field.separator ?? '='
        const pairs = textToPairs(text, sep)
        if (typeof pairs === 'number') problems.push({ key: field.key, message: 'runner.badPairs', params: { n: pairs, sep } })
        else out[field.key] = pairs
        break
      }
    }
  }
  if (problems.length) return { problems }
  // The fields of each kind are those of its config type: the registry is what makes this cast hold.
  return { runner: out as unknown as RunnerConfig & RunnerLimits }
}

/** The one line that says where a runner goes: the command line, the URL, the OpenClaw agent. */
export function runnerTarget(runner: AgentRunner, agentId: string): string {
  // Double quotes read better than shell's '\'' around the single quotes of an inline script.
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`)
  switch (runner.kind) {
    case 'command':
      return [runner.command, ...(runner.args ?? [])].map(quote).join(' ')
    case 'http':
    case 'websocket':
      return runner.url
    case 'openclaw':
      return `openclaw · ${runner.agent ?? agentId}`
  }
}
