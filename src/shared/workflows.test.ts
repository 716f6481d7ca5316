import { describe, expect, it } from 'vitest'
import { parseTemplate, renderTemplate } from './workflows.js'

const render = (template: string, position: number, input: string, outputs: (string | null)[]): string => {
  const parsed = parseTemplate(template, position)
  if (!parsed.ok) throw new Error(parsed.message)
  return renderTemplate(parsed.parts, input, outputs)
}

describe('workflow input templates', () => {
  it('renders the run input, the previous output and a named earlier step', () => {
    expect(render('Summarise: {{input}}', 1, 'the report', [])).toBe('Summarise: the report')
    expect(render('Check {{ previous.output }} against {{steps.1.output}} for {{input}}', 3, 'Q', ['one', 'two'])).toBe('Check two against one for Q')
    expect(render('no placeholders', 2, 'x', ['y'])).toBe('no placeholders')
  })

  it('renders the output of a step that gave none as empty', () => {
    expect(render('[{{previous.output}}]', 2, '', [null])).toBe('[]')
  })

  it('keeps "{{{{" as a literal "{{", and a lone "}}" as it is', () => {
    expect(render('json: {{{{"a": 1}} }}', 1, '', [])).toBe('json: {{"a": 1}} }}')
  })

  it('rejects what would go wrong at run time, saying why', () => {
    expect(parseTemplate('{{previous.output}}', 1)).toEqual({ ok: false, message: 'the first step has no {{previous.output}}' })
    expect(parseTemplate('{{steps.2.output}}', 2)).toMatchObject({ ok: false, message: expect.stringContaining('earlier step (1 to 1)') as string })
    expect(parseTemplate('{{steps.0.output}}', 3)).toMatchObject({ ok: false })
    expect(parseTemplate('{{output}}', 2)).toMatchObject({ ok: false, message: expect.stringContaining('unknown placeholder {{output}}') as string })
    expect(parseTemplate('abc {{input', 1)).toEqual({ ok: false, message: 'unclosed "{{" at character 5' })
  })

  it('does not expand placeholders inside what it substitutes', () => {
    expect(render('{{previous.output}}', 2, 'secret', ['{{input}}'])).toBe('{{input}}')
  })
})
