import { nodeCrypto } from '../util/builtins.js'

const { randomFillSync } = nodeCrypto

const ZERO = /^0+$/

// Random bytes are drawn from a pool refilled 4 KiB at a time: one randomFillSync call per ~170
// items instead of two per item (each call costs microseconds; 10k-item suites notice).
const pool = Buffer.alloc(4096)
let offset = pool.length

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const hex = pool.toString('hex', offset, offset + bytes)
  offset += bytes
  return hex
}

/** A random id of `bytes` bytes as lowercase hex, never all zeros (W3C trace-context rule). */
function randomHexId(bytes: number): string {
  for (;;) {
    const id = randomHex(bytes)
    if (!ZERO.test(id)) return id
  }
}

/** A valid W3C trace id: 32 lowercase hex chars, not all zero. */
export const randomTraceId = (): string => randomHexId(16)
/** A valid W3C span id: 16 lowercase hex chars, not all zero. */
export const randomSpanId = (): string => randomHexId(8)

export const isValidTraceId = (id: string): boolean => /^[0-9a-f]{32}$/.test(id) && !ZERO.test(id)
export const isValidSpanId = (id: string): boolean => /^[0-9a-f]{16}$/.test(id) && !ZERO.test(id)
