import { type AiSdkLanguageModel, isAiSdkModel } from './ai-sdk.js'
import type { PriceTable } from './prices.js'

/**
 * Where a judge sends its calls: any OpenAI-compatible chat-completions endpoint. Set once with the
 * plugin option `evalgate({ judge: {...} })` or the environment (`EVALGATE_JUDGE_MODEL`,
 * `OPENAI_BASE_URL`, `OPENAI_API_KEY`), and override per judge with its `model` option.
 */
export interface JudgeModelSettings {
  /** Model name sent to the endpoint, e.g. `gpt-4o-mini`. */
  model?: string
  /** Base URL of the API, up to and including `/v1`. Default `https://api.openai.com/v1`. */
  baseURL?: string
  apiKey?: string
  /** Extra request headers (e.g. Azure's `api-key`). */
  headers?: Record<string, string>
  /** Answer protocol: a forced tool call (`tools`), a JSON object (`json`), or tools falling back to JSON (`auto`, default). */
  mode?: 'auto' | 'tools' | 'json'
  /** Retries of a call that got 429, 5xx or a network error, with exponential backoff (default 3). */
  maxRetries?: number
  /** First backoff delay in ms (default 500; `Retry-After` is honoured). */
  retryDelayMs?: number
  /** Extra attempts after a malformed answer (default 2). */
  formatRetries?: number
  /** Time limit of one HTTP call in ms (default 60 000). */
  timeoutMs?: number
  /** Extra model prices, USD per 1M tokens. */
  prices?: PriceTable
}

/** Fully resolved settings of one judge call. */
export interface ResolvedJudgeModel {
  model: string
  baseURL: string
  apiKey: string | null
  headers: Record<string, string>
  mode: 'auto' | 'tools' | 'json'
  maxRetries: number
  retryDelayMs: number
  formatRetries: number
  timeoutMs: number
  prices: PriceTable | undefined
  /** Set when the judge's model is an AI SDK language model: calls go through it instead of HTTP. */
  languageModel?: AiSdkLanguageModel
}

export const NO_JUDGE_MODEL =
  'no judge model configured: set EVALGATE_JUDGE_MODEL (with OPENAI_API_KEY and, for other endpoints, OPENAI_BASE_URL), ' +
  "or evalgate({ judge: { model, baseURL, apiKey } }) in vitest.config, or a judge's own `model` option"

const DEFAULTS = Symbol.for('evalgate.judges.defaults')
type Holder = { [DEFAULTS]?: JudgeModelSettings }

/**
 * Sets the process-wide judge settings (the Vitest adapter calls this with the plugin's `judge`
 * option). Kept on globalThis so every bundled copy of evalgate in the process sees the same value.
 */
export function setJudgeDefaults(settings: JudgeModelSettings | undefined): void {
  const holder = globalThis as Holder
  if (settings === undefined) delete holder[DEFAULTS]
  else holder[DEFAULTS] = { ...settings }
}

export function judgeDefaults(): JudgeModelSettings {
  return (globalThis as Holder)[DEFAULTS] ?? {}
}

/**
 * A judge's `model` option: a model name, settings that override the defaults field by field, or a
 * Vercel AI SDK language model (`openai('gpt-4o-mini')`, …).
 */
export type JudgeModelOption = string | JudgeModelSettings | AiSdkLanguageModel

/**
 * Per-judge option, then plugin settings, then environment. Returns null when no model name is
 * set anywhere (the caller reports NO_JUDGE_MODEL).
 */
export function resolveJudgeModel(
  option: JudgeModelOption | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedJudgeModel | null {
  if (isAiSdkModel(option)) {
    const base = judgeDefaults()
    return {
      model: option.modelId,
      baseURL: option.provider,
      apiKey: null,
      headers: {},
      mode: base.mode ?? 'auto',
      maxRetries: base.maxRetries ?? 3,
      retryDelayMs: base.retryDelayMs ?? 500,
      formatRetries: base.formatRetries ?? 2,
      timeoutMs: base.timeoutMs ?? 60_000,
      prices: base.prices,
      languageModel: option,
    }
  }
  const own: JudgeModelSettings = typeof option === 'string' ? { model: option } : (option ?? {})
  const base = judgeDefaults()
  const pick = <K extends keyof JudgeModelSettings>(key: K): JudgeModelSettings[K] =>
    own[key] !== undefined ? own[key] : base[key]
  const model = pick('model') ?? nonEmpty(env.EVALGATE_JUDGE_MODEL)
  if (!model) return null
  const baseURL = (pick('baseURL') ?? nonEmpty(env.OPENAI_BASE_URL) ?? 'https://api.openai.com/v1').replace(
    /\/+$/,
    '',
  )
  return {
    model,
    baseURL,
    apiKey: pick('apiKey') ?? nonEmpty(env.OPENAI_API_KEY) ?? null,
    headers: { ...base.headers, ...own.headers },
    mode: pick('mode') ?? 'auto',
    maxRetries: pick('maxRetries') ?? 3,
    retryDelayMs: pick('retryDelayMs') ?? 500,
    formatRetries: pick('formatRetries') ?? 2,
    timeoutMs: pick('timeoutMs') ?? 60_000,
    prices: base.prices || own.prices ? { ...base.prices, ...own.prices } : undefined,
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
