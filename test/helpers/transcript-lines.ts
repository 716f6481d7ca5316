/** Transcript lines in OpenClaw's legacy JSONL format, for tests that append to a fixture copy. */
let counter = 0
const id = (): string => `t${(++counter).toString(16).padStart(7, '0')}`

export function turnLines(o: { provider: string; model: string; at: number; text?: string; fail?: { status: number; message: string } }): string {
  const iso = (t: number) => new Date(t).toISOString()
  const snap = id()
  const user = id()
  const lines: object[] = [
    {
      type: 'custom',
      customType: 'model-snapshot',
      data: { timestamp: o.at, provider: o.provider, modelApi: 'openai-completions', modelId: o.model },
      id: snap,
      parentId: null,
      timestamp: iso(o.at),
    },
    { type: 'message', id: user, parentId: snap, timestamp: iso(o.at + 1), message: { role: 'user', content: [{ type: 'text', text: o.text ?? 'hello' }], timestamp: o.at + 1 } },
    {
      type: 'message',
      id: id(),
      parentId: user,
      timestamp: iso(o.at + 2),
      message: {
        role: 'assistant',
        content: o.fail ? [] : [{ type: 'text', text: 'ok' }],
        api: 'openai-completions',
        provider: o.provider,
        model: o.model,
        usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, totalTokens: 15, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0.001 } },
        stopReason: o.fail ? 'error' : 'stop',
        timestamp: o.at + 2,
        ...(o.fail ? { errorMessage: `${o.fail.status} ${o.fail.message}` } : {}),
      },
    },
  ]
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
}
