import type { JsonValue } from 'evalgate'
import corpus from '../retrieval/corpus.json' with { type: 'json' }
import { createRetriever, type Doc } from '../retrieval/retriever.js'
import type { ToolSpec } from './openai-chat.js'
import orders from './orders.json' with { type: 'json' }

// The shop's "today", so return windows are deterministic.
export const TODAY = '2026-03-11'

type Order = (typeof orders)[number]
const searchFaq = createRetriever(corpus as Doc[])
const faqById = new Map((corpus as Doc[]).map((doc) => [doc.id, doc]))

export const SUPPORT_TOOLS: ToolSpec[] = [
  {
    type: 'function',
    function: {
      name: 'lookup_order',
      description: 'Status, dates, tracking and items of an order, by its id (e.g. CC-1042).',
      parameters: {
        type: 'object',
        properties: { orderId: { type: 'string' } },
        required: ['orderId'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_faq',
      description:
        'Searches the shop policies and FAQ (returns, shipping, warranty, payments…). Returns the 3 best articles.',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string' } },
        required: ['query'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'cancel_order',
      description: 'Cancels an order that has not been picked yet (status "processing").',
      parameters: {
        type: 'object',
        properties: { orderId: { type: 'string' } },
        required: ['orderId'],
        additionalProperties: false,
      },
    },
  },
]

/** Runs one tool call. Arguments come from the model: they are parsed and checked, never trusted. */
export function runSupportTool(name: string, rawArguments: string): JsonValue {
  let args: Record<string, unknown>
  try {
    args = JSON.parse(rawArguments) as Record<string, unknown>
  } catch {
    return { error: `arguments are not valid JSON: ${rawArguments.slice(0, 200)}` }
  }
  switch (name) {
    case 'lookup_order': {
      const order = findOrder(args.orderId)
      return order ? jsonCopy(order) : { error: `no order ${String(args.orderId)}` }
    }
    case 'search_faq': {
      if (typeof args.query !== 'string') return { error: 'query must be a string' }
      return jsonCopy(searchFaq(args.query, 3).map((id) => faqById.get(id)))
    }
    case 'cancel_order': {
      const order = findOrder(args.orderId)
      if (!order) return { error: `no order ${String(args.orderId)}` }
      if (order.status !== 'processing') {
        return {
          error: `order ${order.id} is ${order.status} and can no longer be cancelled; start a return after delivery`,
        }
      }
      return { cancelled: order.id, refund: order.items.reduce((sum, item) => sum + item.price, 0) }
    }
    default:
      return { error: `unknown tool ${name}` }
  }
}

function findOrder(id: unknown): Order | undefined {
  return typeof id === 'string' ? orders.find((order) => order.id === id.trim().toUpperCase()) : undefined
}

/** A JSON copy: tool results are handed to the model and recorded, never the shop's own objects. */
function jsonCopy(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue
}
