import { describe, expect, it } from 'vitest'
import type { Task } from '../../shared/conversations.js'
import { MAX_TASKS, mergeTaskLists, parseTaskListInput, taskCounts } from './conversation-tasks.js'

const NOW = Date.parse('2026-11-22T10:50:40.000Z')

describe('posted task lists', () => {
  it("accepts the seed's task_list and stamps it", () => {
    const parsed = parseTaskListInput(
      {
        command: 'plan',
        task_list: [
          { id: 'task-1', title: '实现用户认证', status: 'todo', notes: '需要处理OAuth流程' },
          { id: 'task-2', title: '创建API端点', status: 'in_progress', notes: '正在开发中...' },
          { title: 'Ship it', status: 'done' },
        ],
        result: '计划已生成',
      },
      NOW,
    )
    expect(parsed).toEqual({
      ok: true,
      result: '计划已生成',
      tasks: [
        { id: 'task-1', title: '实现用户认证', status: 'todo', notes: '需要处理OAuth流程', updated_at: '2026-11-22T10:50:40.000Z', source: 'api', outcome: null },
        { id: 'task-2', title: '创建API端点', status: 'in_progress', notes: '正在开发中...', updated_at: '2026-11-22T10:50:40.000Z', source: 'api', outcome: null },
        { id: 'task-3', title: 'Ship it', status: 'done', notes: '', updated_at: '2026-11-22T10:50:40.000Z', source: 'api', outcome: null },
      ],
    })
  })

  it('an unchanged task keeps its time; a changed one gets the new time', () => {
    const before: Task[] = [
      { id: 'a', title: 'A', status: 'todo', notes: '', updated_at: '2026-11-22T10:00:00.000Z', source: 'api', outcome: null },
      { id: 'b', title: 'B', status: 'todo', notes: '', updated_at: '2026-11-22T10:00:00.000Z', source: 'api', outcome: null },
    ]
    const parsed = parseTaskListInput({ task_list: [{ id: 'a', title: 'A', status: 'todo' }, { id: 'b', title: 'B', status: 'done' }] }, NOW, before)
    expect(parsed.ok && parsed.tasks.map((t) => t.updated_at)).toEqual(['2026-11-22T10:00:00.000Z', '2026-11-22T10:50:40.000Z'])
  })

  it('reports every issue with its path', () => {
    const parsed = parseTaskListInput(
      {
        command: 'view',
        task_list: [{ id: 'x', title: '', status: 'todo' }, { id: 'x', title: 'ok', status: 'blocked', notes: 42 }, 'nope'],
      },
      NOW,
    )
    expect(parsed).toEqual({
      ok: false,
      issues: [
        { path: 'command', reason: 'must be "plan" when given' },
        { path: 'task_list[0].title', reason: expect.any(String) },
        { path: 'task_list[1].id', reason: 'duplicate id "x"' },
        { path: 'task_list[1].status', reason: 'must be one of todo, in_progress, done' },
        { path: 'task_list[1].notes', reason: expect.any(String) },
        { path: 'task_list[2]', reason: 'must be an object' },
      ],
    })
    expect(parseTaskListInput([], NOW)).toEqual({ ok: false, issues: [{ path: '', reason: 'body must be a JSON object' }] })
    expect(parseTaskListInput({}, NOW)).toEqual({ ok: false, issues: [{ path: 'task_list', reason: 'must be an array' }] })
    const many = { task_list: Array.from({ length: MAX_TASKS + 1 }, (_, i) => ({ title: `t${i}`, status: 'todo' })) }
    expect(parseTaskListInput(many, NOW)).toMatchObject({ ok: false, issues: [{ path: 'task_list', reason: `at most ${MAX_TASKS} tasks` }] })
  })

  it("merges OpenClaw's list before the posted one and counts by status", () => {
    const oc: Task = { id: 'step-1', title: 'Read logs', status: 'done', notes: '', updated_at: '2026-11-22T10:00:00.000Z', source: 'openclaw', outcome: null }
    const api: Task = { id: 'task-1', title: 'Fix', status: 'in_progress', notes: '', updated_at: '2026-11-22T10:00:00.000Z', source: 'api', outcome: null }
    const merged = mergeTaskLists([oc], [api])
    expect(merged.map((t) => t.id)).toEqual(['step-1', 'task-1'])
    expect(taskCounts(merged)).toEqual({ todo: 0, in_progress: 1, done: 1 })
  })
})
