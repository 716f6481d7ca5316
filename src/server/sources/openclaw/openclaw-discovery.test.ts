import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { discoverOpenClawStateDirs } from './openclaw-discovery.js'
import { tempDir } from './openclaw.test-kit.js'

describe('discoverOpenClawStateDirs', () => {
  it('uses explicit dirs only, reporting missing ones as looked at', () => {
    const t = tempDir()
    try {
      const missing = join(t.dir, 'nope')
      const result = discoverOpenClawStateDirs({ stateDirs: [t.dir, missing], env: { OPENCLAW_STATE_DIR: '/elsewhere' } })
      expect(result).toEqual({ found: [t.dir], lookedAt: [t.dir, missing] })
    } finally {
      t.cleanup()
    }
  })

  it('uses OPENCLAW_STATE_DIR when no dir is given', () => {
    const t = tempDir()
    try {
      const result = discoverOpenClawStateDirs({ stateDirs: [], env: { OPENCLAW_STATE_DIR: t.dir }, homeDir: '/nonexistent' })
      expect(result).toEqual({ found: [t.dir], lookedAt: [t.dir] })
    } finally {
      t.cleanup()
    }
  })

  it('finds ~/.openclaw and profile dirs ~/.openclaw-<name>', () => {
    const t = tempDir()
    try {
      for (const name of ['.openclaw', '.openclaw-work', '.openclaw-lab', '.openclawish', 'openclaw-x']) mkdirSync(join(t.dir, name))
      const result = discoverOpenClawStateDirs({ stateDirs: [], env: {}, homeDir: t.dir })
      expect(result.found).toEqual([join(t.dir, '.openclaw'), join(t.dir, '.openclaw-lab'), join(t.dir, '.openclaw-work')])
      expect(result.lookedAt).toEqual(result.found)
    } finally {
      t.cleanup()
    }
  })

  it('lists where it looked when nothing is there', () => {
    const t = tempDir()
    try {
      const result = discoverOpenClawStateDirs({ stateDirs: [], env: {}, homeDir: t.dir })
      expect(result.found).toEqual([])
      expect(result.lookedAt).toEqual([join(t.dir, '.openclaw'), join(t.dir, '.openclaw-<profile>')])
    } finally {
      t.cleanup()
    }
  })
})
