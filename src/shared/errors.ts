/** Error codes that cross the wire (REST bodies, WebSocket `error` messages). Tests assert on them. */
export const ERROR_CODES = {
  SWB_AUTH_MISSING: { status: 401, message: 'Authentication required: send Authorization: Bearer <token>' },
  SWB_AUTH_INVALID: { status: 401, message: 'Invalid token' },
  SWB_WS_ORIGIN_REJECTED: { status: 403, message: 'WebSocket Origin not allowed' },
  SWB_WS_BAD_MESSAGE: { status: 400, message: 'Malformed WebSocket message' },
  SWB_WS_SLOW_CONSUMER: { status: 1008, message: 'Client too slow: send buffer exceeded' },
  SWB_AGENT_NOT_FOUND: { status: 404, message: 'Agent not found' },
  SWB_REQUEST_INVALID: { status: 400, message: 'Invalid request' },
  SWB_PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  SWB_RATE_LIMITED: { status: 429, message: 'Too many requests: slow down and retry after the time in Retry-After' },
  SWB_HOST_AUTH_MISSING: { status: 401, message: 'Agent credentials required: send X-App-Key and X-App-Secret' },
  SWB_HOST_AUTH_INVALID: { status: 401, message: 'Invalid agent credentials' },
  SWB_HOST_AUTH_FORBIDDEN: { status: 403, message: 'These credentials belong to another agent' },
  SWB_HOST_AGENT_NOT_FOUND: { status: 404, message: 'Host agent not registered' },
  SWB_HOST_AGENT_EXISTS: { status: 409, message: 'A host agent with this id is already registered' },
  SWB_RUNNER_NOT_CONFIGURED: { status: 400, message: 'This agent has no runner: set one with PUT /api/agents/{id}/runner' },
  SWB_EXECUTION_NOT_FOUND: { status: 404, message: 'Execution not found' },
  SWB_HOST_CREDENTIAL_NOT_FOUND: { status: 404, message: 'No such app key for this agent' },
  SWB_WORKFLOW_NOT_FOUND: { status: 404, message: 'Workflow not found' },
  SWB_WORKFLOW_EXISTS: { status: 409, message: 'A workflow with this name already exists' },
  SWB_CONVERSATION_NOT_FOUND: { status: 404, message: 'Conversation not found' },
  SWB_ROUTE_NOT_FOUND: { status: 404, message: 'Route not found' },
  SWB_INTERNAL: { status: 500, message: 'Internal server error' },
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown }
}
