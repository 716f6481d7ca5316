import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../../shared/errors.js'

/** An error with a catalogued code; the error handler turns it into `{error: {code, message}}`. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly details: unknown

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CODES[code].message)
    this.code = code
    this.statusCode = ERROR_CODES[code].status
    this.details = details
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } }
  }
}
