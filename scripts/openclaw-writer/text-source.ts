import { createSeededRandom, type SeededRandom } from './seeded-random.js'

/** Plausible user prompts and model replies, in English and Chinese, of any length. */
export interface TextSource {
  prompt(): string
  reply(): string
  /** Prose of about `chars` characters (cheap: slices a pre-built corpus). */
  prose(chars: number): string
}

const PROMPTS = [
  'Summarise the overnight alerts and tell me which ones still need a human.',
  'Draft a reply to the customer asking why their invoice doubled this month.',
  'Check the deploy log for the payments service and list anything that failed.',
  'What changed in the config between yesterday and today?',
  'Write a short status update for the team channel about the migration.',
  'Find the three slowest endpoints in the last hour and suggest a fix for each.',
  'Translate the release notes into Japanese and keep the headings.',
  'Review this pull request for obvious bugs and missing tests.',
  'Plan tomorrow: meetings, the two open incidents, and the report due Friday.',
  'Explain why the nightly import job retried four times.',
  '帮我总结一下今天的工单，按优先级排序。',
  '把这段英文翻译成中文，语气正式一些。',
  '检查一下昨晚的部署日志，有没有失败的步骤？',
  '给客户写一封道歉邮件，说明延迟发货的原因。',
  '列出本周需要跟进的三个风险，并给出建议。',
]

const OPENERS = [
  'Here is what I found.',
  'Short answer first, details below.',
  'I went through the data you pointed at.',
  'Done. A few notes before you ship it:',
  '我看了一下相关记录，结论如下。',
  '已经处理好了，下面是要点：',
]

const WORDS = (
  'the service agent model request latency queue retry budget token cache incident deploy ' +
  'rollback config gateway session transcript fallback provider cooldown window error status ' +
  'customer invoice report migration schema index replica shard throughput backlog alert ' +
  'threshold metric trace span worker cron job import export summary action owner review ' +
  'should could will might because after before while during until unless although therefore ' +
  'quickly carefully again only still already usually rarely probably clearly roughly'
).split(' ')

const CJK_WORDS = '我们 需要 检查 服务 模型 请求 延迟 队列 重试 配置 网关 会话 日志 客户 报告 迁移 告警 指标 任务 总结 建议 问题 原因 结果'.split(' ')

let sharedCorpus: string | null = null

/** About 512 KiB of prose, built once per process from a fixed seed so every data set shares it. */
function corpus(): string {
  if (sharedCorpus) return sharedCorpus
  const random = createSeededRandom(0x5eed)
  const parts: string[] = []
  let size = 0
  while (size < 512 * 1024) {
    const cjk = random.chance(0.12)
    const n = random.int(8, 24)
    const words: string[] = []
    for (let i = 0; i < n; i++) words.push(random.pick(cjk ? CJK_WORDS : WORDS))
    const sentence = cjk ? `${words.join('')}。` : `${capitalise(words.join(' '))}.`
    parts.push(sentence)
    size += sentence.length + 1
    if (random.chance(0.08)) {
      parts.push('\n\n')
      size += 2
    }
  }
  sharedCorpus = parts.join(' ')
  return sharedCorpus
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

export function createTextSource(random: SeededRandom): TextSource {
  const text = corpus()
  const prose = (chars: number): string => {
    const n = Math.max(1, Math.min(chars, text.length - 1))
    const start = random.int(0, text.length - n - 1)
    return text.slice(start, start + n).trim()
  }
  return {
    prompt: () => random.pick(PROMPTS),
    reply: () => `${random.pick(OPENERS)}\n\n${prose(random.int(120, 900))}`,
    prose,
  }
}
