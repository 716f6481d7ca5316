import { describe, expect, it } from 'vitest'
import { canTransition, CONVERSATION_POLLING_INTERVALS_MS, CONVERSATION_STATUSES, CONVERSATION_TRANSITIONS } from './conversations.js'

describe('conversation contract (seed 001)', () => {
  it("allows exactly the seed table's transitions plus the diagram's STOPPED → RUNNING", () => {
    const edges = CONVERSATION_STATUSES.flatMap((from) => CONVERSATION_TRANSITIONS[from].map((to) => `${from}→${to}`))
    expect(edges.sort()).toEqual(
      ['STOPPED→STARTING', 'STARTING→RUNNING', 'RUNNING→STOPPED', 'RUNNING→ERROR', 'ERROR→STOPPED', 'STOPPED→ARCHIVED', 'STOPPED→RUNNING'].sort(),
    )
    expect(canTransition('RUNNING', 'ERROR')).toBe(true)
    expect(canTransition('ERROR', 'RUNNING')).toBe(false)
    expect(canTransition('ARCHIVED', 'STOPPED')).toBe(false)
    expect(canTransition('ARCHIVED', 'ARCHIVED')).toBe(true)
  })

  it("polls at the seed's intervals and never once archived", () => {
    expect(CONVERSATION_POLLING_INTERVALS_MS).toEqual({ STARTING: 3000, RUNNING: 30000, STOPPED: 60000, ERROR: 10000, ARCHIVED: false })
  })
})
