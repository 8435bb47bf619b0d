import { describe, expect, test } from 'vitest'
import { EvalgateApiError } from '../../src/client/errors.js'
import { OutboxError } from '../../src/client/outbox.js'
import { classifyUploadFailure } from '../../src/client/run-upload.js'

const error = (status: number, code: string) =>
  new EvalgateApiError({ message: 'm', status, code, endpoint: 'GET /api/v1/runs', url: 'http://x' })

// One rule for the reporter, `evalgate upload` and runTestSuite (src/client/run-upload.ts).
// Before, the reporter stopped every suite on a 500 and `evalgate upload` treated a 500 as this
// file's problem, and upload set every file aside on a URL that is not an evalgate server.
describe('upload failures: unreachable (stop everything), refused (this run), failed (this run, retry later)', () => {
  test.each([
    [0, 'ECONNREFUSED', 'unreachable'],
    [0, 'TIMEOUT', 'unreachable'],
    [0, 'INVALID_URL', 'unreachable'],
    [401, 'unauthorized', 'unreachable'],
    [403, 'forbidden', 'unreachable'],
    // a URL that is not an evalgate server: no request can succeed there
    [404, 'route_not_found', 'unreachable'],
    [429, 'rate_limited', 'unreachable'],
    [502, 'http_502', 'unreachable'],
    [503, 'unavailable', 'unreachable'],
    [504, 'http_504', 'unreachable'],
    // a 500 that outlived the transport's retries: this request's data hit a server bug
    [500, 'internal', 'failed'],
    [501, 'http_501', 'failed'],
    [408, 'http_408', 'failed'],
    [0, 'BAD_RESPONSE', 'failed'],
    [400, 'validation_error', 'refused'],
    [404, 'not_found', 'refused'],
    [409, 'conflict', 'refused'],
    [413, 'payload_too_large', 'refused'],
  ])('%i %s → %s', (status, code, kind) => {
    expect(classifyUploadFailure(error(status, code))).toBe(kind)
  })

  test('an outbox file that cannot be read is refused; any other error is a failure of this run', () => {
    expect(classifyUploadFailure(new OutboxError('f.jsonl:1: bad header'))).toBe('refused')
    expect(classifyUploadFailure(new Error('EACCES'))).toBe('failed')
  })
})
