import { randomBytes } from 'node:crypto'

const ZERO = /^0+$/

/** A random id of `bytes` bytes as lowercase hex, never all zeros (W3C trace-context rule). */
function randomHexId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex')
    if (!ZERO.test(id)) return id
  }
}

/** A valid W3C trace id: 32 lowercase hex chars, not all zero. */
export const randomTraceId = (): string => randomHexId(16)
/** A valid W3C span id: 16 lowercase hex chars, not all zero. */
export const randomSpanId = (): string => randomHexId(8)

export const isValidTraceId = (id: string): boolean => /^[0-9a-f]{32}$/.test(id) && !ZERO.test(id)
export const isValidSpanId = (id: string): boolean => /^[0-9a-f]{16}$/.test(id) && !ZERO.test(id)
