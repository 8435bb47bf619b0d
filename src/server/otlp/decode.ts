/**
 * ExportTraceServiceRequest bodies (OTLP/HTTP JSON or protobuf) → spans ready to store.
 *
 * Both encodings go through protobufjs and the official definitions: protobuf bodies with
 * `decode`, JSON bodies with `fromObject` after the one OTLP/JSON deviation from the proto3 JSON
 * mapping is undone (trace and span ids are hex, not base64). The decoded message is then read
 * in one place, whatever the encoding.
 *
 * Problems of the request as a whole (undecodable bytes, malformed JSON, a field of the wrong
 * type, an id that is not 16/8 bytes or not hex) throw OtlpDecodeError: the exporter gets a 400
 * and nothing is stored. A well-formed span the server will not keep (an all-zero id, an
 * attribute nested too deep) is rejected alone and counted in the partial-success answer.
 */
import type { Message } from 'protobufjs'
import { otlpTypes } from './proto.js'

export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OtlpDecodeError'
  }
}

export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer'
export type SpanStatusName = 'unset' | 'ok' | 'error'

export interface SpanEvent {
  name: string
  timeUnixNano: string
  attributes: Record<string, unknown>
}

/** One span as the store keeps it (ids lowercase hex, times as decimal nanosecond strings). */
export interface DecodedSpan {
  traceId: string
  spanId: string
  parentSpanId: string | null
  name: string
  kind: SpanKindName
  startTimeUnixNano: string
  endTimeUnixNano: string
  status: { code: SpanStatusName; message: string | null }
  attributes: Record<string, unknown>
  events: SpanEvent[]
  resource: Record<string, unknown>
  scope: { name: string | null; version: string | null }
}

export interface DecodedRequest {
  spans: DecodedSpan[]
  rejected: { count: number; reasons: string[] }
}

export type OtlpEncoding = 'json' | 'protobuf'

/** Attribute values nest at most this deep (AnyValue arrays and key-value lists). */
export const MAX_ATTRIBUTE_DEPTH = 64

const KINDS: readonly SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']
const STATUSES: readonly SpanStatusName[] = ['unset', 'ok', 'error']
const HEX = /^[0-9a-fA-F]*$/
const NANOS = /^\d{1,20}$/

export async function decodeTraceRequest(body: Buffer, encoding: OtlpEncoding): Promise<DecodedRequest> {
  const { request } = await otlpTypes()
  let message: Message
  try {
    message = encoding === 'protobuf' ? request.decode(body) : request.fromObject(jsonRequest(body))
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw err
    const what = encoding === 'protobuf' ? 'protobuf' : 'OTLP JSON'
    throw new OtlpDecodeError(`malformed ${what} ExportTraceServiceRequest: ${(err as Error).message}`)
  }
  const plain = request.toObject(message, { longs: String, enums: Number, arrays: true }) as PlainRequest
  return readRequest(plain)
}

// ---------- JSON: hex ids → bytes, timestamps checked, then protobufjs fromObject ----------

function jsonRequest(body: Buffer): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw new OtlpDecodeError(`malformed JSON body: ${(err as Error).message}`)
  }
  if (!isObject(value))
    throw new OtlpDecodeError('the body must be a JSON object (ExportTraceServiceRequest)')
  eachOf(value, 'resourceSpans', '', (rs, p1) =>
    eachOf(rs, 'scopeSpans', `resourceSpans.${p1}.`, (ss, p2) =>
      eachOf(ss, 'spans', `resourceSpans.${p1}.scopeSpans.${p2}.`, (span, p3) => {
        const at = `resourceSpans.${p1}.scopeSpans.${p2}.spans.${p3}`
        hexId(span, 'traceId', 16, at)
        hexId(span, 'spanId', 8, at)
        hexId(span, 'parentSpanId', 8, at, true)
        nanos(span, 'startTimeUnixNano', at)
        nanos(span, 'endTimeUnixNano', at)
        eachOf(span, 'events', `${at}.`, (ev, i) => nanos(ev, 'timeUnixNano', `${at}.events.${i}`))
        eachOf(span, 'links', `${at}.`, (link, i) => {
          hexId(link, 'traceId', 16, `${at}.links.${i}`)
          hexId(link, 'spanId', 8, `${at}.links.${i}`)
        })
      }),
    ),
  )
  return value
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Calls `fn` on each object of `parent[key]` (absent is empty; anything else is a 400). */
function eachOf(
  parent: Record<string, unknown>,
  key: string,
  at: string,
  fn: (child: Record<string, unknown>, index: number) => void,
): void {
  const list = parent[key]
  if (list === undefined || list === null) return
  if (!Array.isArray(list)) throw new OtlpDecodeError(`${at}${key}: an array is expected`)
  list.forEach((child, i) => {
    if (!isObject(child)) throw new OtlpDecodeError(`${at}${key}.${i}: an object is expected`)
    fn(child, i)
  })
}

/** OTLP/JSON ids are hex strings of `bytes` bytes (an empty parent id means "no parent"). */
function hexId(o: Record<string, unknown>, key: string, bytes: number, at: string, optional = false): void {
  const v = o[key]
  if (v === undefined || v === null || (optional && v === '')) {
    delete o[key]
    return
  }
  if (typeof v !== 'string' || v.length !== bytes * 2 || !HEX.test(v))
    throw new OtlpDecodeError(
      `${at}.${key}: a ${bytes * 2}-character hex string is expected, got ${JSON.stringify(v)?.slice(0, 80)}`,
    )
  o[key] = Buffer.from(v, 'hex')
}

/** fixed64 times may be JSON numbers or decimal strings. */
function nanos(o: Record<string, unknown>, key: string, at: string): void {
  const v = o[key]
  if (v === undefined || v === null) return
  const ok =
    (typeof v === 'string' && NANOS.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)
  if (!ok)
    throw new OtlpDecodeError(
      `${at}.${key}: nanoseconds since the epoch are expected (an integer or a decimal string), got ${JSON.stringify(v)?.slice(0, 80)}`,
    )
}

// ---------- the decoded message (protobufjs toObject with longs as strings) ----------

interface PlainAnyValue {
  stringValue?: string
  boolValue?: boolean
  intValue?: string
  doubleValue?: number
  arrayValue?: { values?: PlainAnyValue[] }
  kvlistValue?: { values?: PlainKeyValue[] }
  bytesValue?: Uint8Array
}
interface PlainKeyValue {
  key?: string
  value?: PlainAnyValue
}
interface PlainSpan {
  traceId?: Uint8Array
  spanId?: Uint8Array
  parentSpanId?: Uint8Array
  name?: string
  kind?: number
  startTimeUnixNano?: string
  endTimeUnixNano?: string
  attributes?: PlainKeyValue[]
  events?: { timeUnixNano?: string; name?: string; attributes?: PlainKeyValue[] }[]
  links?: { traceId?: Uint8Array; spanId?: Uint8Array }[]
  status?: { message?: string; code?: number }
}
interface PlainRequest {
  resourceSpans?: {
    resource?: { attributes?: PlainKeyValue[] }
    scopeSpans?: { scope?: { name?: string; version?: string }; spans?: PlainSpan[] }[]
  }[]
}

class SpanRejection extends Error {}

function readRequest(req: PlainRequest): DecodedRequest {
  const spans: DecodedSpan[] = []
  const reasons: string[] = []
  let rejectedCount = 0
  ;(req.resourceSpans ?? []).forEach((rs, i) => {
    const resource = resourceAttributes(rs.resource?.attributes, `resourceSpans.${i}.resource.attributes`)
    ;(rs.scopeSpans ?? []).forEach((ss, j) => {
      const scope = { name: ss.scope?.name || null, version: ss.scope?.version || null }
      ;(ss.spans ?? []).forEach((span, k) => {
        const at = `resourceSpans.${i}.scopeSpans.${j}.spans.${k}`
        try {
          spans.push(readSpan(span, at, resource, scope))
        } catch (err) {
          if (!(err instanceof SpanRejection)) throw err
          rejectedCount++
          if (reasons.length < 5) reasons.push(err.message)
        }
      })
    })
  })
  return { spans, rejected: { count: rejectedCount, reasons } }
}

function readSpan(
  span: PlainSpan,
  at: string,
  resource: Record<string, unknown>,
  scope: DecodedSpan['scope'],
): DecodedSpan {
  const traceId = bytesId(span.traceId, 16, `${at}.traceId`)
  const spanId = bytesId(span.spanId, 8, `${at}.spanId`)
  const parent = span.parentSpanId && span.parentSpanId.length > 0 ? span.parentSpanId : undefined
  const parentSpanId = parent ? bytesId(parent, 8, `${at}.parentSpanId`, true) : null
  if (/^0+$/.test(traceId)) throw new SpanRejection(`${at}: the trace id is all zeros (invalid)`)
  if (/^0+$/.test(spanId)) throw new SpanRejection(`${at}: the span id is all zeros (invalid)`)
  const start = span.startTimeUnixNano ?? '0'
  const end = span.endTimeUnixNano ?? start
  return {
    traceId,
    spanId,
    parentSpanId,
    name: span.name ?? '',
    kind: KINDS[span.kind ?? 0] ?? 'unspecified',
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    status: {
      code: STATUSES[span.status?.code ?? 0] ?? 'unset',
      message: span.status?.message || null,
    },
    attributes: attributeMap(span.attributes, `${at}.attributes`),
    events: (span.events ?? []).map((ev, i) => ({
      name: ev.name ?? '',
      timeUnixNano: ev.timeUnixNano ?? '0',
      attributes: attributeMap(ev.attributes, `${at}.events.${i}.attributes`),
    })),
    resource,
    scope,
  }
}

/** Resource attributes are shared by many spans: a value nested too deep fails the request. */
function resourceAttributes(list: PlainKeyValue[] | undefined, at: string): Record<string, unknown> {
  try {
    return attributeMap(list, at)
  } catch (err) {
    if (err instanceof SpanRejection) throw new OtlpDecodeError(err.message)
    throw err
  }
}

/** A binary id as lowercase hex; a wrong length is a malformed request (400). */
function bytesId(v: Uint8Array | undefined, bytes: number, at: string, allowZeroLength = false): string {
  const length = v?.length ?? 0
  if (length !== bytes && !(allowZeroLength && length === 0))
    throw new OtlpDecodeError(`${at}: a ${bytes}-byte id is expected, got ${length} bytes`)
  return Buffer.from(v ?? []).toString('hex')
}

function attributeMap(list: PlainKeyValue[] | undefined, at: string, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const kv of list ?? []) {
    const key = kv.key ?? ''
    // a duplicate key: the last one wins, as in the SDKs
    out[key] = anyValue(kv.value, `${at}.${key}`, depth)
  }
  return out
}

function anyValue(v: PlainAnyValue | undefined, at: string, depth: number): unknown {
  if (depth > MAX_ATTRIBUTE_DEPTH)
    throw new SpanRejection(`${at}: attribute value nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`)
  if (!v) return null
  if (v.stringValue !== undefined) return v.stringValue
  if (v.boolValue !== undefined) return v.boolValue
  if (v.intValue !== undefined) {
    const n = Number(v.intValue)
    return Number.isSafeInteger(n) ? n : v.intValue
  }
  if (v.doubleValue !== undefined)
    return Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue)
  if (v.arrayValue !== undefined)
    return (v.arrayValue.values ?? []).map((x, i) => anyValue(x, `${at}.${i}`, depth + 1))
  if (v.kvlistValue !== undefined) return attributeMap(v.kvlistValue.values, at, depth + 1)
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue).toString('base64')
  return null
}
