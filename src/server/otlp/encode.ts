/**
 * OTLP/HTTP answers in the encoding of the request: ExportTraceServiceResponse on success (with
 * `partialSuccess` when spans were rejected) and google.rpc.Status on errors.
 */
import type { OtlpEncoding } from './decode.js'
import { otlpTypes } from './proto.js'

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  json: 'application/json',
  protobuf: 'application/x-protobuf',
}

export interface PartialSuccess {
  rejectedSpans: number
  errorMessage: string
}

/** Success: an empty response, or `partialSuccess` naming how many spans were rejected and why. */
export async function exportResponse(
  encoding: OtlpEncoding,
  partial?: PartialSuccess,
): Promise<Buffer | string> {
  if (encoding === 'json') {
    // proto3 JSON: int64 as a decimal string
    return JSON.stringify(
      partial
        ? {
            partialSuccess: {
              rejectedSpans: String(partial.rejectedSpans),
              errorMessage: partial.errorMessage,
            },
          }
        : {},
    )
  }
  const { response } = await otlpTypes()
  const message = response.fromObject(partial ? { partialSuccess: partial } : {})
  return Buffer.from(response.encode(message).finish())
}

/**
 * google.rpc.Status codes for the HTTP statuses this server answers OTLP requests with.
 * (401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 413/400 INVALID_ARGUMENT, 415
 * INVALID_ARGUMENT, 500 INTERNAL.)
 */
export function rpcCode(httpStatus: number): number {
  if (httpStatus === 401) return 16
  if (httpStatus === 403) return 7
  if (httpStatus === 404) return 5
  if (httpStatus >= 500) return 13
  return 3
}

/** An error body: google.rpc.Status `{code, message}`. */
export async function statusBody(
  encoding: OtlpEncoding,
  httpStatus: number,
  message: string,
): Promise<Buffer | string> {
  const code = rpcCode(httpStatus)
  if (encoding === 'json') return JSON.stringify({ code, message })
  const { status } = await otlpTypes()
  return Buffer.from(status.encode(status.fromObject({ code, message })).finish())
}
