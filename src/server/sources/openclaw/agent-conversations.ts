/**
 * The one interface behind which each OpenClaw layout gives the conversations of one agent: the
 * per-agent database (`conversations-db.reader.ts`) and the legacy JSONL files
 * (`conversations-files.reader.ts`) are twins.
 */
import type { Task } from '../../../shared/conversations.js'
import type { ConversationFacts } from '../../core/conversation-facts.js'

/** Where malformed records go: counted and reported with their place, never thrown. */
export interface RejectSink {
  reject(place: string, reason: string): void
}

export interface AgentConversations {
  agentId: string
  conversations: ConversationFacts[]
  /** Task lists OpenClaw keeps per session (progress cards), by session id. */
  tasks: Map<string, Task[]>
}

export interface AgentConversationsReader {
  readonly agentId: string
  /**
   * The agent's conversations now. Sessions whose data did not change since the last call are not
   * read again. Resolves to null when the layout's data is not there or not readable; never rejects.
   */
  read(out: RejectSink): Promise<AgentConversations | null>
  close(): void
}
