import type { MetricsPoint } from '@shared/agent-hosts'

export interface UsagePathOptions {
  /** Epoch ms at the left and right edges. */
  start: number
  end: number
  width: number
  height: number
  /** A silence longer than this is drawn as a gap (the agent was away), not a line across it. */
  gapMs: number
}

/** Which value of a point: 1 is CPU, 2 is memory. */
export type UsageIndex = 1 | 2

/** SVG path data of one usage line on a fixed 0–100 % scale. */
export function usagePath(points: readonly MetricsPoint[], index: UsageIndex, o: UsagePathOptions): string {
  const span = o.end - o.start
  if (span <= 0) return ''
  let d = ''
  let prev: number | null = null
  for (const p of points) {
    if (p[0] < o.start || p[0] > o.end) continue
    const x = ((p[0] - o.start) / span) * o.width
    const y = o.height - (Math.min(100, Math.max(0, p[index])) / 100) * o.height
    d += `${prev === null || p[0] - prev > o.gapMs ? 'M' : 'L'}${x.toFixed(2)} ${y.toFixed(2)}`
    prev = p[0]
  }
  return d
}

/** Gap threshold for a series kept at `resolutionMs` per point. */
export const gapFor = (resolutionMs: number): number => Math.max(3 * resolutionMs, 30_000)

/** Path data of a dot on the newest point (a zero-length line: drawn with a round cap, it stays round when stretched). */
export function lastPointDot(points: readonly MetricsPoint[], index: UsageIndex, o: UsagePathOptions): string {
  const p = points[points.length - 1]
  if (!p || p[0] < o.start || p[0] > o.end) return ''
  const x = ((p[0] - o.start) / (o.end - o.start)) * o.width
  const y = o.height - (Math.min(100, Math.max(0, p[index])) / 100) * o.height
  return `M${x.toFixed(2)} ${y.toFixed(2)}l0 0`
}
