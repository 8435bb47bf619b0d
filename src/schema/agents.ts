import * as z from 'zod/mini'
import './zod-locale.js'

/**
 * Agents: OpenAI-compatible chat-completions endpoints registered on the server, which a Gradient
 * evaluation run (`POST /v2/gen-ai/evaluation_runs`) drives a test case's dataset through.
 *
 * An agent's API key is either stored encrypted on the server (`apiKey` on create) or read from
 * the server's environment at call time (`apiKeyEnv`, the variable's name). No response ever
 * carries the key: only `apiKeySource` says where it comes from.
 */

/** An environment variable name (POSIX portable: letters, digits, underscore; no leading digit). */
export const EnvVarNameSchema = z
  .string()
  .check(
    z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,199}$/, 'must be an environment variable name (letters, digits, _)'),
  )

export const AgentBaseUrlSchema = z.string().check(
  z.maxLength(2000),
  z.refine((s) => {
    try {
      const u = new URL(s)
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === ''
    } catch {
      return false
    }
  }, 'must be an absolute http(s) URL without credentials (e.g. https://api.openai.com/v1)'),
)

export const DEFAULT_AGENT_TIMEOUT_MS = 60_000
export const DEFAULT_AGENT_CONCURRENCY = 8

export const CreateAgentBodySchema = z
  .strictObject({
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
    /** Base URL of the OpenAI-compatible API: requests go to `{baseUrl}/chat/completions`. */
    baseUrl: AgentBaseUrlSchema,
    model: z.string().check(z.minLength(1), z.maxLength(300)),
    /** A key to store encrypted at rest. */
    apiKey: z.optional(z.string().check(z.minLength(1), z.maxLength(10_000))),
    /** Name of an environment variable of the server holding the key. */
    apiKeyEnv: z.optional(EnvVarNameSchema),
    /** Per-call timeout. */
    timeoutMs: z._default(
      z.number().check(z.int(), z.minimum(1), z.maximum(3_600_000)),
      DEFAULT_AGENT_TIMEOUT_MS,
    ),
    /** Calls in flight at once within one evaluation run. */
    concurrency: z._default(
      z.number().check(z.int(), z.minimum(1), z.maximum(1000)),
      DEFAULT_AGENT_CONCURRENCY,
    ),
    /** Optional system message sent before each row's messages. */
    systemPrompt: z.optional(z.string().check(z.maxLength(100_000))),
  })
  .check(
    z.refine((b) => !(b.apiKey !== undefined && b.apiKeyEnv !== undefined), {
      message: 'give apiKey or apiKeyEnv, not both',
      path: ['apiKeyEnv'],
    }),
  )
export type CreateAgentBody = z.input<typeof CreateAgentBodySchema>

export const AgentApiKeySourceSchema = z.enum(['none', 'stored', 'env'])

export const AgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  baseUrl: z.string(),
  model: z.string(),
  /** Where the key comes from; the key itself is never returned. */
  apiKeySource: AgentApiKeySourceSchema,
  /** The variable's name when `apiKeySource` is `env`. */
  apiKeyEnv: z.optional(z.string()),
  timeoutMs: z.number().check(z.int()),
  concurrency: z.number().check(z.int()),
  systemPrompt: z.optional(z.string()),
  createdAt: z.string(),
})
export type Agent = z.infer<typeof AgentSchema>

export const AgentListSchema = z.object({ agents: z.array(AgentSchema) })

/** What a cancel answers: the run's status after the request (cancelling or already final). */
export const CancelRunResponseSchema = z.object({ id: z.string(), status: z.string() })
