import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Workflow } from '../shared/workflows.js'
import { definitionFrom, formatWorkflow, formatWorkflows } from './workflows.command.js'

const noStdin = (): string => {
  throw new Error('stdin was not expected')
}
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('workflow definitions from the command line', () => {
  it('builds steps from --step flags, in order, splitting at the first "="', () => {
    expect(definitionFrom({ name: 'review', step: ['writer=Draft {{input}}', 'critic=a=b {{previous.output}}'], continueOnFailure: [1] }, null, noStdin)).toEqual({
      name: 'review',
      description: null,
      steps: [
        { agent_id: 'writer', input: 'Draft {{input}}', on_failure: 'continue' },
        { agent_id: 'critic', input: 'a=b {{previous.output}}', on_failure: 'stop' },
      ],
    })
  })

  it('reads a file or stdin, and flags override what it says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swb-wf-cli-'))
    dirs.push(dir)
    const file = join(dir, 'w.json')
    const body = { name: 'from file', description: 'd', steps: [{ agent_id: 'main', input: 'x' }] }
    writeFileSync(file, JSON.stringify(body))
    expect(definitionFrom({ file }, null, noStdin)).toEqual(body)
    expect(definitionFrom({ file, name: 'renamed' }, null, noStdin).name).toBe('renamed')
    expect(definitionFrom({ file: '-' }, null, () => JSON.stringify(body))).toEqual(body)
  })

  it('an update keeps what the flags do not change', () => {
    const base = { name: 'keep', description: 'old', steps: [{ agent_id: 'main', input: 'x' }] }
    expect(definitionFrom({ description: 'new' }, base, noStdin)).toEqual({ ...base, description: 'new' })
  })

  it('says what is wrong instead of sending it', () => {
    expect(() => definitionFrom({ name: 'x', step: ['no-equals'] }, null, noStdin)).toThrow('write it as <agent>=<input template>')
    expect(() => definitionFrom({ name: 'x' }, null, noStdin)).toThrow('a workflow needs steps')
    expect(() => definitionFrom({ step: ['a=b'] }, null, noStdin)).toThrow('a workflow needs a name')
    expect(() => definitionFrom({ name: 'x', step: ['a=b'], continueOnFailure: [2] }, null, noStdin)).toThrow('there is no step 2')
    expect(() => definitionFrom({ file: '-' }, null, () => '{oops')).toThrow('stdin is not JSON')
    expect(() => definitionFrom({ file: '-' }, null, () => '[1]')).toThrow('must hold a JSON object')
  })
})

describe('workflow listings', () => {
  const w: Workflow = {
    id: 3,
    name: '日报',
    description: 'Daily report',
    steps: [
      { agent_id: 'main', input: 'Collect {{input}}', on_failure: 'continue' },
      { name: 'polish', agent_id: 'writer', input: 'Polish:\n{{previous.output}}', timeout_ms: 5000 },
    ],
    created_at: '2026-11-22T00:00:00.000Z',
    updated_at: '2026-11-22T01:00:00.000Z',
  }
  it('lists id, name, step count and the agents in order', () => {
    expect(formatWorkflows([w])).toBe('ID  NAME  STEPS  AGENTS\n3   日报  2      main → writer\n')
    expect(formatWorkflows([])).toContain('No workflows yet')
  })
  it('shows each step with its failure rule and its template', () => {
    expect(formatWorkflow(w)).toBe(
      [
        '日报 (id 3)',
        '  Daily report',
        '  updated 2026-11-22T01:00:00.000Z',
        '',
        '  1. main  (continues on failure)',
        '       Collect {{input}}',
        '  2. polish — writer  (stops on failure, timeout 5000 ms)',
        '       Polish:',
        '       {{previous.output}}',
        '',
      ].join('\n'),
    )
  })
})
