/**
 * The bulky but uninteresting parts of session entries and trajectory records (skills, tools,
 * prompt report), trimmed versions of what the real releases store, so rows have realistic weight.
 */

export const SKILLS = ['healthcheck', 'node-connect', 'skill-creator', 'taskflow', 'tmux', 'weather'] as const

export function skillsSnapshot(version: number): object {
  const blocks = SKILLS.map(
    (name) =>
      `  <skill>\n    <name>${name}</name>\n    <description>Use when the task is about ${name}.</description>\n` +
      `    <location>/opt/openclaw/node_modules/openclaw/skills/${name}/SKILL.md</location>\n  </skill>`,
  )
  return {
    prompt:
      '\n\nThe following skills provide specialized instructions for specific tasks.\n' +
      "Read a skill's file at its listed location when the task matches its description.\n\n" +
      `<available_skills>\n${blocks.join('\n')}\n</available_skills>`,
    skills: SKILLS.map((name) => ({ name, skillKey: name })),
    nodeSkillsEligibility: { canExec: true },
    version,
    promptFormatVersion: 6,
  }
}

export function systemPromptReport(args: {
  at: number
  sessionId: string
  sessionKey: string
  provider: string
  model: string
  workspaceDir: string
  promptChars: number
}): object {
  return {
    source: 'run',
    generatedAt: args.at,
    sessionId: args.sessionId,
    sessionKey: args.sessionKey,
    provider: args.provider,
    model: args.model,
    workspaceDir: args.workspaceDir,
    bootstrapMaxChars: 20000,
    bootstrapTotalMaxChars: 60000,
    sandbox: { mode: 'off', sandboxed: false },
    systemPrompt: { chars: 48550, projectContextChars: 21099, nonProjectContextChars: 27451 },
    injectedWorkspaceFiles: ['AGENTS.md', 'SOUL.md', 'IDENTITY.md', 'USER.md'].map((name, i) => ({
      name,
      path: `${args.workspaceDir}/${name}`,
      missing: false,
      rawChars: 1100 + i * 700,
      injectedChars: 1100 + i * 700,
      truncated: false,
    })),
    skills: { promptChars: 5514, entries: SKILLS.map((name) => ({ name, blockChars: 280 })) },
    currentTurn: { promptChars: args.promptChars, runtimeContextChars: 52, modelOnlyPromptChars: args.promptChars },
  }
}

export const TOOLS = [
  ['ls', 'List directory contents under the workspace.'],
  ['read', 'Read a file from the workspace; supports offset and limit for large files.'],
  ['edit', 'Replace an exact string in a file; fails when the string is not unique.'],
  ['write', 'Create or overwrite a file in the workspace.'],
  ['exec', 'Run a shell command in the workspace with a timeout; output is truncated when long.'],
  ['process', 'Manage background processes started by exec: list, poll, kill.'],
  ['sessions_yield', 'Yield the turn and wait for a sub-agent or a scheduled wake-up.'],
  ['tool_search', 'Search the tool catalogue by name or capability.'],
].map(([name, description]) => ({
  name,
  description,
  parameters: { type: 'object', properties: { path: { type: 'string' }, timeoutMs: { type: 'number' } } },
}))

export function harness(agentId: string, prompt: string): object {
  return {
    type: 'openclaw',
    name: 'OpenClaw',
    version: '2026.9.6',
    os: { platform: 'linux', arch: 'x64', release: '6.8.0', label: 'linux 6.8.0 (x64)' },
    runtime: { node: 'v24.21.0' },
    invocation: ['/usr/bin/node', '/usr/lib/node_modules/.bin/openclaw', 'agent', '--agent', agentId, '-m', prompt.slice(0, 80)],
    entrypoint: '/usr/lib/node_modules/.bin/openclaw',
    workspaceDir: `$OPENCLAW_STATE_DIR/workspace-${agentId}`,
    sessionFile: `agent:${agentId}:main`,
  }
}
