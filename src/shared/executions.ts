/**
 * Executions (seed 002): agent tests and workflow runs, kept in the database, run in the
 * background, pushed live. Wire names are the seed's snake_case (`execution_type`, `test_input`,
 * `execution_update`…).
 */

export type ExecutionType = 'workflow' | 'agent_test'

export type ExecutionStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted'

export const FINAL_STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted']

export const isFinal = (s: ExecutionStatus): boolean => FINAL_STATUSES.includes(s)

/** How an agent test runs; each kind is one module behind the same interface. */
export type RunnerKind = 'openclaw' | 'command' | 'http' | 'websocket'

/**
 * A step of a workflow run: an execution status, or `skipped` for a step that never ran (an
 * earlier step failed and stopped the run, or the run was cancelled or interrupted first).
 */
export type StepStatus = ExecutionStatus | 'skipped'

/** One step of a workflow run. */
export interface ExecutionStep {
  /** 0-based position in the workflow. */
  index: number
  /** The step's name in the workflow, when it has one. */
  name: string | null
  agent_id: string
  status: StepStatus
  /** What the step failing does to the run. */
  on_failure: 'stop' | 'continue'
  /** The input the step's agent got: its template rendered when it started; empty before. */
  input: string
  output: string | null
  error_message: string | null
  started_at: string | null
  finished_at: string | null
}

/** The seed's `ExecutionResponse`, with what a user needs besides. Times are RFC 3339. */
export interface Execution {
  id: number
  execution_type: ExecutionType
  status: ExecutionStatus
  agent_id: string | null
  workflow_id: number | null
  /** The runner an agent test used. */
  runner: RunnerKind | null
  test_input: string | null
  test_output: string | null
  error_message: string | null
  meta: Record<string, unknown> | null
  /** 0–1 when known (a workflow: finished steps ÷ steps). */
  progress: number | null
  steps: ExecutionStep[]
  /** Who started it: `token` (an operator), `cli`, `workflow:<id>`… */
  started_by: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  updated_at: string
}

/** `execution_update` data (seed: id, execution_type, status, agent_id, started_at, output, error; the rest are extensions). */
export interface ExecutionUpdateData {
  id: number
  execution_type: ExecutionType
  status: ExecutionStatus
  agent_id: string | null
  started_at: string | null
  output: string | null
  error: string | null
  workflow_id: number | null
  finished_at: string | null
  progress: number | null
  /** Output produced since the last update while running (live output); null otherwise. */
  output_chunk: string | null
  /** A workflow run: the step running now (0-based), which `output_chunk` belongs to; else null. */
  step_index: number | null
}

export interface StartAgentTestRequest {
  test_input: string
  /** Overrides the agent's configured runner for this test. */
  runner?: RunnerConfig
}

/** Runner configuration of an agent (`PUT /api/agents/{id}/runner`). */
export type RunnerConfig =
  | { kind: 'openclaw'; agent?: string; openclaw_bin?: string; state_dir?: string }
  | { kind: 'command'; command: string; args?: string[]; input_mode?: 'stdin' | 'argument'; cwd?: string; env?: Record<string, string> }
  | { kind: 'http'; url: string; format?: 'raw' | 'openai-chat'; model?: string; headers?: Record<string, string> }
  | { kind: 'websocket'; url: string; headers?: Record<string, string> }

export interface RunnerLimits {
  /** Default is 120000. */
  timeout_ms?: number
  /** Default is 1 MiB. */
  max_output_bytes?: number
}

export interface ExecutionsPage {
  executions: Execution[]
  /** Pass as `cursor` for the next (older) page; null at the end. */
  next_cursor: string | null
}

export const EXECUTIONS_TOPIC = 'executions'
