/**
 * Writes OpenClaw state the way real OpenClaw does, in the current SQLite layout (2026.8+) or the
 * legacy JSONL layout (≤ 2026.6), plus OpenClaw's JSONL gateway log. Used by the demo, the
 * benchmark and tests; the shapes follow `test/fixtures/openclaw-*`.
 */
export {
  createOpenClawWriter,
  openOpenClawWriter,
  type OpenClawWriter,
  type OpenClawWriterOptions,
  type OpenExistingOptions,
} from './openclaw-writer.js'
export { createSeededRandom, type SeededRandom } from './seeded-random.js'
export { createTextSource, type TextSource } from './text-source.js'
export { isUnavailable } from './auth-state.rules.js'
export {
  createFleetScenario,
  type FleetScenario,
  type FleetScenarioOptions,
  type IncidentKind,
  type StepReport,
} from './fleet-scenario.js'
export { DUMMY_SECRETS } from './openclaw-config.js'
export { agentDatabasePath, globalDatabasePath } from './sqlite-layout.writer.js'
export { transcriptPath } from './legacy-layout.writer.js'
export * from './types.js'
