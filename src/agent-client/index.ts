/**
 * `switchboard/agent-client`: what an agent host needs to send seed 003 heartbeats — a typed ping
 * client, a host CPU/memory sampler, running-task sources and the reporting loop — with the wire
 * types of `src/shared/agent-hosts.ts`. Node built-ins only.
 */
export {
  AgentClientError,
  createAgentClient,
  parseRetryAfter,
  DEFAULT_TIMEOUT_MS,
  type AgentClient,
  type AgentClientErrorKind,
  type AgentClientOptions,
  type PingOptions,
} from './agent-client.js'
export {
  createHostReadings,
  createHostSampler,
  parseMeminfo,
  percent,
  type CpuTimes,
  type HostReadings,
  type HostSample,
  type HostSampler,
  type HostSamplerOptions,
  type MemoryReading,
} from './host-sampler.js'
export {
  createCommandTaskSource,
  createFileTaskSource,
  createStaticTaskSource,
  parseRunningTasks,
  MAX_RUNNING_TASKS,
  MAX_TASK_ID_LENGTH,
  MAX_TASK_TEXT_LENGTH,
  type CommandTaskSourceOptions,
  type FileTaskSourceOptions,
  type TaskReadResult,
  type TaskSource,
} from './task-source.js'
export {
  createAgentReporter,
  type AgentReporter,
  type AgentReporterOptions,
  type PingOutcome,
  type ReporterEvent,
  type ReporterState,
  type SetTimer,
} from './agent-reporter.js'
// The whole shared contract: ping body, pool messages, registry shapes, ids, headers.
export * from '../shared/agent-hosts.js'
