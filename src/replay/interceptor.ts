import type { Dispatcher } from 'undici'
import { costOf } from '../judges/prices.js'
import type { JsonValue } from '../schema/common.js'
import { canonicalJson } from '../util/canonical-json.js'
import { sha256Hex } from '../util/hash.js'
import { redactJson, redactUrl, scrub, secretsOf } from './redact.js'
import { currentScope, nextOccurrence, type ReplayScope, releaseOccurrence } from './scope.js'
import { type RecordingEntry, recordingFile } from './store.js'

/** A strict-mode miss: names the request, the trial and the recordings file. */
export class ReplayMissError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReplayMissError'
  }
}

type DispatchFn = Dispatcher['dispatch']
type Handler = Dispatcher.DispatchHandler
type Controller = Dispatcher.DispatchController

/**
 * An undici interceptor (for `Dispatcher.compose`, installed on the global dispatcher, which Node's
 * `fetch`, undici and the OpenAI/Anthropic/AI SDKs all use). Inside an eval item's replay scope it
 * answers a request from its recording, or sends it and records the answer, by the scope's mode.
 * Outside a scope, or with mode `off`, it passes requests through untouched.
 */
export function replayInterceptor(): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch: DispatchFn) =>
    function replayDispatch(opts: Dispatcher.DispatchOptions, handler: Handler): boolean {
      const scope = currentScope()
      if (!scope || scope.mode === 'off' || opts.method === 'CONNECT' || opts.upgrade)
        return dispatch(opts, handler)
      const body = opts.body
      if (body === null || body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
        return handle(scope, dispatch, opts, toBuffer(body), handler)
      }
      // A streamed body (fetch sends every body as an async iterable): read it, then go on.
      readBody(body as AsyncIterable<unknown>).then(
        (buffer) => handle(scope, dispatch, { ...opts, body: buffer }, buffer, handler),
        (error: unknown) => handler.onResponseError?.(inertController(), error as Error),
      )
      return true
    }
}

function handle(
  scope: ReplayScope,
  dispatch: DispatchFn,
  opts: Dispatcher.DispatchOptions,
  body: Buffer,
  handler: Handler,
): boolean {
  const headers = headerRecord(opts.headers)
  const target = new URL(opts.path, opts.origin)
  const { url, secrets: urlSecrets } = redactUrl(target)
  const secrets = [...secretsOf(headers), ...urlSecrets]
  const request = describeBody(body, scope.redact, secrets)
  const method = (opts.method ?? 'GET').toUpperCase()
  // The key: method, path (not the host: a recording replays against any base URL), canonical
  // redacted body, trial, salt, and which identical call of this item × trial it is.
  const base = hash(
    canonicalJson({
      method,
      path: `${target.pathname}${new URL(url).search}`,
      body: request.body ?? request.text ?? null,
      trial: scope.trial,
      salt: scope.salt,
    }),
  )
  const occurrence = nextOccurrence(scope, base)
  const key = occurrence === 0 ? base : `${base}.${occurrence}`
  let file: ReturnType<typeof recordingFile>
  let entry: RecordingEntry | undefined
  try {
    file = recordingFile(scope.file)
    entry = scope.mode === 'record' ? undefined : file.get(key)
  } catch (error) {
    scope.problems.push((error as Error).message)
    queueMicrotask(() => handler.onResponseError?.(inertController(), error as Error))
    return true
  }
  if (entry?.response) {
    scope.stats.replayed++
    countSaved(scope, entry.response.body)
    const response = entry.response
    queueMicrotask(() => replay(response, handler))
    return true
  }
  if (scope.mode === 'strict') {
    const error = new ReplayMissError(
      `EVALGATE_REPLAY=strict: no recording of ${method} ${url} (trial ${scope.trial}${occurrence ? `, identical call #${occurrence + 1}` : ''}) in ${scope.file}; ` +
        `request body: ${clip(request.text ?? JSON.stringify(request.body ?? null))}. Record it with EVALGATE_REPLAY=auto (or vitest -u) and commit the file.`,
    )
    scope.problems.push(error.message)
    queueMicrotask(() => handler.onResponseError?.(inertController(), error))
    return true
  }
  const write = scope.mode === 'auto' || scope.mode === 'record'
  // Ask for an uncompressed answer so the recording is readable and replays as sent.
  const liveOpts = { ...opts, body, headers: { ...headers, 'accept-encoding': 'identity' } }
  let status = 0
  let responseHeaders: Record<string, string> = {}
  const chunks: Buffer[] = []
  const recorder: Handler = {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, statusCode, upgradeHeaders, socket) =>
      handler.onRequestUpgrade?.(controller, statusCode, upgradeHeaders, socket),
    onResponseStart(controller, statusCode, incoming, statusMessage) {
      status = statusCode
      responseHeaders = flatHeaders(incoming)
      handler.onResponseStart?.(controller, statusCode, incoming, statusMessage)
    },
    onResponseData(controller, chunk) {
      chunks.push(Buffer.from(chunk))
      handler.onResponseData?.(controller, chunk)
    },
    onResponseEnd(controller, trailers) {
      // Rate limits and server errors are not answers worth keeping: the retry gets this slot.
      const keep = write && status !== 429 && status < 500
      if (keep) {
        scope.stats.recorded++
        try {
          file.set({
            key,
            trial: scope.trial,
            request: { method, url, ...request },
            response: storedResponse(status, responseHeaders, Buffer.concat(chunks), secrets),
          })
        } catch (error) {
          handler.onResponseError?.(controller, error as Error)
          return
        }
      } else {
        scope.stats.live++
        if (status === 429 || status >= 500) releaseOccurrence(scope, base)
      }
      handler.onResponseEnd?.(controller, trailers)
    },
    onResponseError(controller, error) {
      scope.stats.live++
      releaseOccurrence(scope, base)
      handler.onResponseError?.(controller, error)
    },
  }
  return dispatch(liveOpts, recorder)
}

/** Feeds a recorded answer to the handler as if it came off the network (one data chunk). */
function replay(response: NonNullable<RecordingEntry['response']>, handler: Handler): void {
  const controller = inertController()
  try {
    handler.onRequestStart?.(controller, {})
    handler.onResponseStart?.(controller, response.status, { ...response.headers }, '')
    const body =
      response.base64 !== undefined
        ? Buffer.from(response.base64, 'base64')
        : Buffer.from(response.text ?? (response.body === undefined ? '' : JSON.stringify(response.body)))
    if (body.length > 0 && !controller.aborted) handler.onResponseData?.(controller, body)
    if (!controller.aborted) handler.onResponseEnd?.(controller, {})
  } catch (error) {
    handler.onResponseError?.(controller, error as Error)
  }
}

function inertController(): Controller & { aborted: boolean } {
  const controller = {
    aborted: false,
    paused: false,
    reason: null as Error | null,
    abort(reason: Error) {
      controller.aborted = true
      controller.reason = reason
    },
    pause() {},
    resume() {},
  }
  return controller
}

/** The request body as stored: parsed JSON (redacted), or text, or nothing. */
function describeBody(
  body: Buffer,
  fields: readonly string[],
  secrets: string[],
): { body?: JsonValue; text?: string } {
  if (body.length === 0) return {}
  const text = body.toString('utf8')
  try {
    return { body: redactJson(JSON.parse(text) as JsonValue, fields, secrets) }
  } catch {
    return { text: scrub(text, secrets) }
  }
}

function storedResponse(
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  secrets: string[],
): NonNullable<RecordingEntry['response']> {
  const kept: Record<string, string> = {}
  for (const name of ['content-type', 'content-encoding']) if (headers[name]) kept[name] = headers[name]
  const encoded = headers['content-encoding'] && headers['content-encoding'] !== 'identity'
  const type = headers['content-type'] ?? ''
  if (!encoded && /json/i.test(type)) {
    try {
      return {
        status,
        headers: kept,
        body: redactJson(JSON.parse(body.toString('utf8')) as JsonValue, [], secrets),
      }
    } catch {}
  }
  if (!encoded && (/^text\/|json|event-stream|xml/i.test(type) || type === '')) {
    const text = body.toString('utf8')
    if (Buffer.from(text, 'utf8').equals(body)) return { status, headers: kept, text: scrub(text, secrets) }
  }
  return { status, headers: kept, base64: body.toString('base64') }
}

/** Tokens and dollars a replayed chat-completions answer would have cost live. */
function countSaved(scope: ReplayScope, body: JsonValue | undefined): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return
  const usage = body.usage as Record<string, unknown> | undefined
  const input =
    typeof usage?.prompt_tokens === 'number'
      ? usage.prompt_tokens
      : typeof usage?.input_tokens === 'number'
        ? usage.input_tokens
        : 0
  const output =
    typeof usage?.completion_tokens === 'number'
      ? usage.completion_tokens
      : typeof usage?.output_tokens === 'number'
        ? usage.output_tokens
        : 0
  scope.stats.tokensSaved += input + output
  if (typeof body.model === 'string')
    scope.stats.costSavedUsd += costOf(body.model, { inputTokens: input, outputTokens: output }) ?? 0
}

function hash(text: string): string {
  return sha256Hex(text).slice(0, 32)
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

function toBuffer(body: string | Uint8Array | null | undefined): Buffer {
  if (body === null || body === undefined) return Buffer.alloc(0)
  return typeof body === 'string'
    ? Buffer.from(body)
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

async function readBody(body: AsyncIterable<unknown> | Iterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body as AsyncIterable<unknown>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array))
  }
  return Buffer.concat(chunks)
}

/** undici accepts headers as an object, a flat [name, value, …] array, or an iterable of pairs. */
function headerRecord(headers: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  if (!headers) return out
  const add = (name: unknown, value: unknown) => {
    if (value === undefined || value === null) return
    out[String(name).toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0]))
      for (const [name, value] of headers as unknown as [string, string][]) add(name, value)
    else for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i], headers[i + 1])
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, string]>) add(name, value)
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value)
  }
  return out
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}
