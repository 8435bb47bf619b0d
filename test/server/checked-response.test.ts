// One check for the responses the native and the Netra routes build (src/server/http/validate.ts):
// a response that would not match its declared schema is the server's bug, reported as an error
// (a 500) that names the API and the first wrong field, never sent as it is.

import { describe, expect, test } from 'vitest'
import * as z from 'zod'
import { checkedResponse } from '../../src/server/http/validate.js'

const RunsSchema = z.object({ runs: z.array(z.object({ id: z.string(), items: z.number().int() })) })

describe('checkedResponse', () => {
  test('a matching value is returned as the schema outputs it', () => {
    expect(checkedResponse(RunsSchema, { runs: [{ id: 'r1', items: 3 }] })).toEqual({
      runs: [{ id: 'r1', items: 3 }],
    })
  })

  test('a value that does not match names the API and the field', () => {
    const wrong = { runs: [{ id: 'r1', items: 1.5 }] }
    expect(() => checkedResponse(RunsSchema, wrong)).toThrow(
      /^response does not match its schema: runs\.0\.items: /,
    )
    expect(() => checkedResponse(RunsSchema, wrong, 'Netra')).toThrow(
      /^Netra response does not match its schema: runs\.0\.items: /,
    )
    expect(() => checkedResponse(z.string(), 4 as unknown as string, 'Netra')).toThrow(
      /^Netra response does not match its schema: Invalid input/,
    )
  })
})
