import { describe, expect, it } from 'vitest'
import { isIdleTimeout, normalizeFailureReason, parseHttpStatus } from './failure-reason.normalizer.js'

describe('parseHttpStatus', () => {
  it.each([
    ['401 Incorrect API key provided: dummy.', 401],
    ['HTTP 401: Incorrect API key provided', 401],
    ['429 Rate limit reached for mock-primary', 429],
    ['request failed with status code 503', 503],
    ['LLM idle timeout (8s): no response from model', null],
    ['⚠️ Rate limit reached for mock-ratelimit-short.', null],
    ['200 OK', null],
    [null, null],
  ])('%s → %s', (text, status) => {
    expect(parseHttpStatus(text)).toBe(status)
  })
})

describe('normalizeFailureReason', () => {
  it.each([
    [{ httpStatus: 429 }, 'rate_limit'],
    [{ errorCode: 'rate_limit_exceeded' }, 'rate_limit'],
    [{ text: '401 Incorrect API key provided' }, 'auth'],
    [{ httpStatus: 403 }, 'auth'],
    [{ errorCode: 'invalid_api_key' }, 'auth'],
    [{ httpStatus: 402 }, 'billing'],
    [{ errorCode: 'insufficient_quota', httpStatus: 429 }, 'billing'],
    [{ text: 'Your credit balance is too low (billing)' }, 'billing'],
    [{ httpStatus: 408 }, 'timeout'],
    [{ text: 'LLM idle timeout (8s): no response from model' }, 'timeout'],
    [{ text: 'LLM request timed out.' }, 'timeout'],
    [{ httpStatus: 503 }, 'overloaded'],
    [{ httpStatus: 529 }, 'overloaded'],
    [{ text: 'Overloaded' }, 'overloaded'],
    [{ text: '404 model not found: gpt-9' }, 'model_not_found'],
    [{ httpStatus: 400, text: 'bad request: messages.0.content must be a string' }, 'format'],
    [{ text: 'something odd happened' }, 'unknown'],
    // OpenClaw's own reason wins: it classified a 429 it waited out as a timeout.
    [{ rawReason: 'timeout', httpStatus: 408, text: 'LLM request timed out.' }, 'timeout'],
    [{ rawReason: 'idle_timeout_circuit_breaker' }, 'timeout'],
    [{ text: 'Auth profile "mock:manual" is temporarily unavailable for mock/mock-primary.' }, 'unknown'],
  ] as const)('%j → %s', (clues, reason) => {
    expect(normalizeFailureReason(clues)).toBe(reason)
  })

  it('returns null when there is no clue at all', () => {
    expect(normalizeFailureReason({})).toBeNull()
    expect(normalizeFailureReason({ text: '  ', rawReason: null })).toBeNull()
  })

  it('recognises idle timeouts', () => {
    expect(isIdleTimeout('LLM idle timeout (8s): no response from model')).toBe(true)
    expect(isIdleTimeout('401 Incorrect API key')).toBe(false)
  })
})
