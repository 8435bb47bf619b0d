import type { Evaluator } from '../../evaluators/types.js'
import {
  answerRelevance,
  closedQA,
  contextRecall,
  FACTUALITY_CHOICES,
  factuality,
  faithfulness,
  RELEVANCE_CHOICES,
  RUBRIC_CHOICES,
  rubric,
  SUPPORT_CHOICES,
  TOOL_USE_CHOICES,
  toolUse,
} from '../../judges/builtins.js'
import type { JudgeModelSettings } from '../../judges/config.js'
import type { ServerEvaluator, ServerEvaluatorRef } from '../../schema/evaluators.js'
import type { MetricDef } from '../../schema/metric.js'
import { ValidationError } from '../service/errors.js'

/** What an entry builds an evaluator from: the suite's metric (name, threshold, criteria) and the server's judge model. */
interface BuildInput {
  metric: MetricDef
  ref: ServerEvaluatorRef
  model: JudgeModelSettings | undefined
}

interface Entry extends ServerEvaluator {
  build(input: BuildInput): Evaluator
}

function common({ metric, model }: BuildInput) {
  return { name: metric.name, threshold: metric.threshold, ...(model ? { model } : {}) }
}

/**
 * The server's evaluators by id: judge metrics from src/judges, run by the server on the items of
 * runs whose suite references them (`metrics[].evaluator.id`). Ids are stable API: add, never rename.
 */
const ENTRIES: Entry[] = [
  {
    id: 'correctness',
    defaultMetricName: 'correctness',
    description:
      "The output's facts against the item's expected answer (the factuality judge): consistent subset 0.4, superset 0.6, same details 1, immaterial differences 1, disagreement 0.",
    needs: ['expected'],
    choices: FACTUALITY_CHOICES,
    build: (b) => factuality(common(b)),
  },
  {
    id: 'factuality',
    defaultMetricName: 'factuality',
    description: 'Same judge as `correctness`, under the name the client-side judge has.',
    needs: ['expected'],
    choices: FACTUALITY_CHOICES,
    build: (b) => factuality(common(b)),
  },
  {
    id: 'relevance',
    defaultMetricName: 'relevance',
    description:
      'Does the output address the question asked, regardless of correctness: yes 1, partly 0.5, no 0.',
    needs: [],
    choices: RELEVANCE_CHOICES,
    build: (b) => answerRelevance(common(b)),
  },
  {
    id: 'faithfulness',
    defaultMetricName: 'faithfulness',
    description:
      "Are the output's claims supported by the item's retrieved context (item.metadata.context): all 1, most 0.67, some 0.33, none 0, no claims 1.",
    needs: ['context'],
    choices: { ...SUPPORT_CHOICES, no_claims: 1 },
    build: (b) => faithfulness(common(b)),
  },
  {
    id: 'context-recall',
    defaultMetricName: 'contextRecall',
    description:
      'Are the facts of the expected answer present in the retrieved context (item.metadata.context): all 1, most 0.67, some 0.33, none 0.',
    needs: ['expected', 'context'],
    choices: SUPPORT_CHOICES,
    build: (b) => contextRecall(common(b)),
  },
  {
    id: 'rubric',
    defaultMetricName: 'rubric',
    description: 'The output graded 1–5 against the criteria stored with the metric; score (grade − 1) / 4.',
    needs: ['criteria'],
    choices: RUBRIC_CHOICES,
    build: (b) => rubric({ ...common(b), criteria: b.ref.criteria ?? '' }),
  },
  {
    id: 'closed-qa',
    defaultMetricName: 'closedQA',
    description: 'Yes/no: does the output meet the criteria stored with the metric: yes 1, no 0.',
    needs: ['criteria'],
    choices: { Y: 1, N: 0 },
    build: (b) => closedQA({ ...common(b), criteria: b.ref.criteria ?? '' }),
  },
  {
    id: 'tool-use',
    defaultMetricName: 'toolUse',
    description:
      "Did the agent call the right tools with sensible arguments and use their results (the item's toolCalls): appropriate 1, minor issues 0.5, inappropriate 0. Optional criteria guide the judge.",
    needs: ['toolCalls'],
    choices: TOOL_USE_CHOICES,
    build: (b) => toolUse({ ...common(b), ...(b.ref.criteria ? { criteria: b.ref.criteria } : {}) }),
  },
]

const BY_ID = new Map(ENTRIES.map((e) => [e.id, e]))

/** The catalogue as the API lists it. */
export function serverEvaluators(): ServerEvaluator[] {
  return ENTRIES.map(({ build: _b, ...e }) => e)
}

export function findServerEvaluator(id: string): ServerEvaluator | undefined {
  const e = BY_ID.get(id)
  if (!e) return undefined
  const { build: _b, ...rest } = e
  return rest
}

/** Name prefix of the catalogue metrics that reference server evaluators (`server:correctness`). */
export const SERVER_METRIC_PREFIX = 'server:'

/**
 * Catalogue metrics for the evaluators that need nothing stored with them, offered to Gradient
 * test cases by uuid (`GET /v2/gen-ai/evaluation_metrics`). Prefixed names keep them apart from
 * client-side judges of the same name (`faithfulness`), which the client scores itself.
 */
export function serverEvaluatorMetricDefs(): MetricDef[] {
  return ENTRIES.filter((e) => !e.needs.includes('criteria')).map((e) => ({
    name: `${SERVER_METRIC_PREFIX}${e.id}`,
    description: `Scored by the server's judge: ${e.description}`,
    scoreType: 'numerical',
    valueType: 'number',
    rangeMin: 0,
    rangeMax: 1,
    inverted: false,
    threshold: null,
    evaluator: { id: e.id },
  }))
}

/** The suite's metrics the server scores, in the suite's order. */
export function serverMetrics(metrics: readonly MetricDef[]): MetricDef[] {
  return metrics.filter((m) => m.evaluator !== undefined)
}

/**
 * Refuses references the server cannot score: an unknown evaluator id (400 naming it and the
 * catalogue) or an evaluator that needs criteria without them. `path` is where the metrics are
 * in the request (`suite.metrics`, `metrics`).
 */
export function checkServerEvaluatorRefs(metrics: readonly MetricDef[], path = 'metrics'): void {
  metrics.forEach((m, i) => {
    if (!m.evaluator) return
    const entry = BY_ID.get(m.evaluator.id)
    if (!entry) {
      throw new ValidationError(
        `unknown server evaluator ${JSON.stringify(m.evaluator.id)} (metric ${JSON.stringify(m.name)}); the server's evaluators: ${ENTRIES.map((e) => e.id).join(', ')}`,
        `${path}.${i}.evaluator.id`,
      )
    }
    if (entry.needs.includes('criteria') && !m.evaluator.criteria) {
      throw new ValidationError(
        `server evaluator ${JSON.stringify(entry.id)} (metric ${JSON.stringify(m.name)}) needs criteria: set evaluator.criteria`,
        `${path}.${i}.evaluator.criteria`,
      )
    }
  })
}

/** The evaluator that scores `metric` on the server (its evaluator reference must have been checked). */
export function buildServerEvaluator(metric: MetricDef, model: JudgeModelSettings | undefined): Evaluator {
  const ref = metric.evaluator
  const entry = ref ? BY_ID.get(ref.id) : undefined
  if (!ref || !entry) throw new Error(`metric ${JSON.stringify(metric.name)} has no known server evaluator`)
  return entry.build({ metric, ref, model })
}
