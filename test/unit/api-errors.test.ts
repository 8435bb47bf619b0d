import { describe, expect, test } from 'vitest'
import { EvalgateApiError } from '../../src/client/errors.js'

const error = (status: number, code: string) =>
  new EvalgateApiError({ message: 'm', status, code, endpoint: 'GET /api/v1/runs', url: 'http://x' })

describe('server-wide errors: one rule for the reporter and `evalgate upload`', () => {
  test.each([
    [0, 'ECONNREFUSED', true],
    [0, 'TIMEOUT', true],
    [401, 'unauthorized', true],
    [403, 'forbidden', true],
    [500, 'internal', true],
    [503, 'unavailable', true],
    // a URL that is not an evalgate server: no request can succeed there
    [404, 'route_not_found', true],
    [0, 'BAD_RESPONSE', false],
    [400, 'invalid_request', false],
    [404, 'not_found', false],
    [409, 'conflict', false],
  ])('%i %s → %s', (status, code, serverWide) => {
    expect(error(status, code).isServerWide).toBe(serverWide)
  })
})
