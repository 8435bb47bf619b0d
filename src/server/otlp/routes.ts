/**
 * OTLP/HTTP trace ingestion and the Netra span probe:
 *
 *   POST /v1/traces, /telemetry/v1/traces   ExportTraceServiceRequest (application/json or
 *                                           application/x-protobuf, optionally gzip) →
 *                                           ExportTraceServiceResponse in the same encoding
 *   GET  /sdk/traces/spans/:spanId          { data: Span | null } (Netra envelope)
 *
 * Auth is the native API's (the app's onRequest hook: Bearer or x-api-key; keyless loopback →
 * default project). Errors of the OTLP routes are google.rpc.Status bodies in the request's
 * encoding (400 malformed, 401, 403, 413, 415); never 429 and never "quota exceeded": the Netra
 * exporter stops exporting for 15 minutes on either, and this server has no span quota.
 *
 * The span probe answers 200 `{data: null}` for a span that has not arrived: the Netra SDKs poll it
 * (0.5 s, then every second, for up to 60 s) before running evaluators, and read a null `data` as
 * "not yet". The exporter's batch (5 s by default) ends the wait as soon as it lands. Answering
 * "found" for unknown spans would skip the wait the SDK asks for; a 404 would mean the same
 * "not yet" to the SDK but read as an error in its logs and in ours.
 */
import { createGunzip, type Gunzip } from 'node:zlib'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import * as z from 'zod'
import { SpanIdSchema, SpanProbeResponseSchema } from '../../schema/spans.js'
import { parseOr400 } from '../http/validate.js'
import { ServiceError } from '../service/errors.js'
import type { Services } from '../service/index.js'
import { decodeTraceRequest, OtlpDecodeError, type OtlpEncoding } from './decode.js'
import { CONTENT_TYPES, exportResponse, statusBody } from './encode.js'

export const OTLP_TRACE_PATHS = ['/v1/traces', '/telemetry/v1/traces'] as const

const ProbeParams = z.object({
  spanId: z
    .string()
    .regex(/^[0-9a-fA-F]{16}$/, 'a span id is 16 hex characters')
    .transform((s) => s.toLowerCase())
    .pipe(SpanIdSchema),
})

function encodingOf(req: FastifyRequest): OtlpEncoding {
  const type = req.headers['content-type'] ?? ''
  return /^\s*application\/(x-)?protobuf\b/i.test(type) ? 'protobuf' : 'json'
}

/** The HTTP status and message of an error raised while answering an OTLP request. */
function otlpError(err: Error & { code?: string; statusCode?: number }, bodyLimit: number) {
  if (err instanceof OtlpDecodeError) return { status: 400, message: err.message }
  if (err instanceof ServiceError) return { status: err.status, message: err.message }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, message: `request body exceeds the limit of ${bodyLimit} bytes` }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return {
      status: 415,
      message: 'content-type must be application/json or application/x-protobuf (OTLP/HTTP)',
    }
  const status = err.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429)
    return { status, message: err.message }
  return undefined
}

export async function registerOtlpRoutes(app: FastifyInstance, services: Services, bodyLimit: number) {
  await app.register(async (otlp) => {
    // bodies are decoded in the handler, so that every failure answers in the OTLP shape
    otlp.removeAllContentTypeParsers()
    otlp.addContentTypeParser(
      ['application/json', 'application/x-protobuf', 'application/protobuf'],
      { parseAs: 'buffer' },
      (_req, body, done) => done(null, body),
    )
    otlp.addHook('preParsing', async (req, _reply, payload) => {
      const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
      if (encoding === 'identity') return payload
      if (encoding !== 'gzip')
        throw new ServiceError(
          415,
          'unsupported_media_type',
          `content-encoding ${JSON.stringify(encoding)} is not supported (gzip or none)`,
        )
      // Fastify checks the body limit on the inflated bytes and Content-Length on the received ones
      const gunzip = createGunzip() as Gunzip & { receivedEncodedLength: number }
      gunzip.receivedEncodedLength = 0
      payload.on('data', (chunk: Buffer) => {
        gunzip.receivedEncodedLength += chunk.length
      })
      payload.on('error', (err) => gunzip.destroy(err))
      return payload.pipe(gunzip)
    })
    otlp.setErrorHandler(async (error, req, reply) => {
      const err = error instanceof Error ? error : new Error(String(error))
      const known = otlpError(err, bodyLimit)
      const encoding = encodingOf(req)
      if (!known)
        process.stderr.write(`evalgate server: ${req.method} ${req.url}: ${err.stack ?? err.message}\n`)
      const status = known?.status ?? 500
      const message = known?.message ?? 'internal server error'
      return reply
        .status(status)
        .type(CONTENT_TYPES[encoding])
        .send(await statusBody(encoding, status, message))
    })

    for (const path of OTLP_TRACE_PATHS) {
      otlp.post(path, async (req, reply) => {
        const encoding = encodingOf(req)
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        const { spans, rejected } = await decodeTraceRequest(body, encoding)
        await services.spans.ingest(req.projectId, spans)
        const partial =
          rejected.count > 0
            ? {
                rejectedSpans: rejected.count,
                errorMessage: `${rejected.count} span(s) rejected: ${rejected.reasons.join('; ')}`,
              }
            : undefined
        return reply.type(CONTENT_TYPES[encoding]).send(await exportResponse(encoding, partial))
      })
    }
  })

  // Netra's span-ingestion probe (backend-api.md §1.1 N9, §3.4); errors keep the app's
  // `{error: {message, code}}` envelope, which the Netra SDKs read.
  app.get('/sdk/traces/spans/:spanId', async (req) => {
    const { spanId } = parseOr400(ProbeParams, req.params, 'params')
    return SpanProbeResponseSchema.parse({ data: await services.spans.find(req.projectId, spanId) })
  })
}
