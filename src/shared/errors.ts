/** Error codes that cross the wire (REST bodies, WebSocket `error` messages). Tests assert on them. */
export const ERROR_CODES = {
  SWB_AUTH_MISSING: { status: 401, message: 'Authentication required: send Authorization: Bearer <token>' },
  SWB_AUTH_INVALID: { status: 401, message: 'Invalid token' },
  SWB_WS_ORIGIN_REJECTED: { status: 403, message: 'WebSocket Origin not allowed' },
  SWB_WS_BAD_MESSAGE: { status: 400, message: 'Malformed WebSocket message' },
  SWB_WS_SLOW_CONSUMER: { status: 1008, message: 'Client too slow: send buffer exceeded' },
  SWB_AGENT_NOT_FOUND: { status: 404, message: 'Agent not found' },
  SWB_REQUEST_INVALID: { status: 400, message: 'Invalid request' },
  SWB_ROUTE_NOT_FOUND: { status: 404, message: 'Route not found' },
  SWB_INTERNAL: { status: 500, message: 'Internal server error' },
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown }
}
