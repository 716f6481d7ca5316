/** Task lists agents posted for conversations (seed 001), one list per conversation. */
import type { Task } from '../../shared/conversations.js'
import type { Store } from './database.js'

export interface PostedTaskList {
  conversationId: string
  agentId: string
  tasks: Task[]
  result: string | null
  /** Epoch ms of the first post: an agent-reported conversation began then. */
  createdAt: number
  updatedAt: number
}

export interface ConversationTasksRepository {
  loadAll(): Promise<PostedTaskList[]>
  put(list: PostedTaskList): Promise<void>
}

export function createConversationTasksRepository(store: Store): ConversationTasksRepository {
  const { db } = store
  return {
    async loadAll() {
      const rows = await db.selectFrom('conversation_tasks').selectAll().execute()
      return rows.map((r) => {
        let tasks: Task[] = []
        try {
          tasks = JSON.parse(r.tasks) as Task[]
        } catch {
          // Only this module writes the column.
        }
        return { conversationId: r.conversation_id, agentId: r.agent_id, tasks, result: r.result, createdAt: r.created_at, updatedAt: r.updated_at }
      })
    },
    async put(l) {
      const tasks = JSON.stringify(l.tasks)
      await db
        .insertInto('conversation_tasks')
        .values({ conversation_id: l.conversationId, agent_id: l.agentId, tasks, result: l.result, created_at: l.createdAt, updated_at: l.updatedAt })
        .onConflict((oc) => oc.column('conversation_id').doUpdateSet({ tasks, result: l.result, updated_at: l.updatedAt }))
        .execute()
    },
  }
}
