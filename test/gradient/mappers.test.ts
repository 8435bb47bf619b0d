import { describe, expect, it } from 'vitest'
import { withVerdict } from '../../src/gate/index.js'
import {
  type Run,
  type RunItem,
  RunItemSchema,
  RunSchema,
  type Suite,
  SuiteSchema,
} from '../../src/schema/api.js'
import {
  APIEvaluationPromptSchema,
  APIEvaluationRunSchema,
  APIEvaluationTestCaseSchema,
} from '../../src/schema/gradient.js'
import { MetricDefSchema } from '../../src/schema/metric.js'
import {
  fromWireNumber,
  metricValueTypes,
  paginate,
  toGradientDataset,
  toGradientMetric,
  toGradientPrompt,
  toGradientRun,
  toGradientRunStatus,
  toGradientTestCase,
  toWireText,
} from '../../src/server/gradient/mappers.js'

const T0 = '2026-01-02T03:04:05.000Z'

const metrics = [
  MetricDefSchema.parse({ name: 'levenshtein', threshold: 0.8 }),
  MetricDefSchema.parse({ name: 'correctness', valueType: 'percentage', threshold: 0.5 }),
  MetricDefSchema.parse({ name: 'toxicity', inverted: true, threshold: 0.2, description: 'lower is better' }),
]

function makeSuite(over: Partial<Suite> = {}): Suite {
  return SuiteSchema.parse({
    id: 'suite-1',
    projectId: 'p1',
    name: 'faq',
    description: 'FAQ answers',
    version: 3,
    datasetId: 'ds-1',
    datasetName: 'faq-data',
    datasetVersion: 'abc123',
    datasetSize: 42,
    turnType: 'single',
    metrics,
    star: { metric: 'correctness', successThresholdPct: 80 },
    gate: null,
    totalRuns: 7,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  })
}

function makeRun(over: Partial<Run> = {}): Run {
  const run = {
    id: 'run-1',
    projectId: 'p1',
    suiteId: 'suite-1',
    suiteName: 'faq',
    suiteVersion: 3,
    runGroup: 'g1',
    name: 'faq #1',
    status: 'partially_succeeded',
    evaluationStatus: 'failed',
    datasetVersion: 'abc123',
    turnType: 'single',
    origin: 'vitest',
    errorDescription: null,
    queuedAt: T0,
    startedAt: T0,
    finishedAt: '2026-01-02T03:05:00.000Z',
    createdAt: T0,
    updatedAt: T0,
    url: '/runs/run-1',
    summary: {
      totalItems: 4,
      completedItems: 3,
      erroredItems: 1,
      passedItems: 2,
      failedItems: 2,
      passRate: 0.5,
      durationMs: 55000,
      totalCostUsd: 0.01,
      meanLatencyMs: 120,
      p95LatencyMs: 300,
      inputTokens: 100,
      outputTokens: 50,
      metrics: [
        {
          name: 'levenshtein',
          count: 3,
          nullCount: 0,
          errorCount: 0,
          mean: 0.7,
          min: 0.4,
          max: 1,
          passRate: 2 / 3,
          threshold: 0.8,
          inverted: false,
        },
        {
          name: 'correctness',
          count: 3,
          nullCount: 0,
          errorCount: 0,
          mean: 0.75,
          min: 0.5,
          max: 1,
          passRate: 1,
          threshold: 0.5,
          inverted: false,
        },
        {
          name: 'toxicity',
          count: 0,
          nullCount: 0,
          errorCount: 3,
          mean: null,
          min: null,
          max: null,
          passRate: null,
          threshold: 0.2,
          inverted: true,
        },
      ],
      star: {
        metric: 'correctness',
        value: 0.75,
        passRatePct: 100,
        successThreshold: null,
        successThresholdPct: 80,
        passed: false,
        rule: 'percentage:mean*100>=successThresholdPct',
      },
      gate: null,
    },
    ...over,
  }
  const { status, errorDescription } = run as { status: Run['status']; errorDescription: string | null }
  return RunSchema.parse({ ...run, summary: withVerdict(run.summary, { status, errorDescription }) })
}

function makeItem(over: Partial<RunItem> = {}): RunItem {
  return RunItemSchema.parse({
    id: 'ri-1',
    runId: 'run-1',
    ordinal: 5,
    itemId: 'item-a',
    index: 4,
    trial: 0,
    input: { question: 'How long is the refund window?' },
    expected: '30 days',
    status: 'completed',
    output: 'Refunds within 30 days.',
    error: null,
    passed: true,
    latencyMs: 12,
    startedAt: T0,
    usage: { inputTokens: 1234, outputTokens: 56 },
    costUsd: 0.001,
    toolCalls: null,
    traceId: '0123456789abcdef0123456789abcdef',
    spanId: '0123456789abcdef',
    scores: [
      {
        metric: 'levenshtein',
        score: 0.9,
        passed: true,
        threshold: 0.8,
        inverted: false,
        reason: 'close',
        durationMs: 1,
      },
      {
        metric: 'correctness',
        score: 0.25,
        passed: false,
        threshold: 0.5,
        inverted: false,
        durationMs: 1,
      },
      {
        metric: 'toxicity',
        score: null,
        passed: null,
        threshold: 0.2,
        inverted: true,
        error: 'judge unavailable',
        durationMs: 1,
      },
    ],
    ...over,
  })
}

describe('run status', () => {
  it('maps every internal status to its EVALUATION_RUN_* value', () => {
    expect(toGradientRunStatus('queued')).toBe('EVALUATION_RUN_QUEUED')
    expect(toGradientRunStatus('running')).toBe('EVALUATION_RUN_RUNNING_DATASET')
    expect(toGradientRunStatus('evaluating')).toBe('EVALUATION_RUN_EVALUATING_RESULTS')
    expect(toGradientRunStatus('succeeded')).toBe('EVALUATION_RUN_SUCCESSFUL')
    expect(toGradientRunStatus('partially_succeeded')).toBe('EVALUATION_RUN_PARTIALLY_SUCCESSFUL')
    expect(toGradientRunStatus('failed')).toBe('EVALUATION_RUN_FAILED')
    expect(toGradientRunStatus('cancelled')).toBe('EVALUATION_RUN_CANCELLED')
  })
})

describe('toGradientRun', () => {
  const valueTypes = metricValueTypes(metrics)

  it('maps identity, status, timestamps and test case fields', () => {
    const wire = toGradientRun(makeRun(), { valueTypes, suiteDescription: 'FAQ answers' })
    expect(APIEvaluationRunSchema.strict().parse(wire)).toEqual(wire)
    expect(wire).toMatchObject({
      evaluation_run_uuid: 'run-1',
      run_name: 'faq #1',
      status: 'EVALUATION_RUN_PARTIALLY_SUCCESSFUL',
      pass_status: false,
      queued_at: T0,
      started_at: T0,
      finished_at: '2026-01-02T03:05:00.000Z',
      test_case_uuid: 'suite-1',
      test_case_name: 'faq',
      test_case_description: 'FAQ answers',
      test_case_version: 3,
    })
    expect(wire).not.toHaveProperty('error_description')
  })

  it('derives the star metric result and run-level results from the summary', () => {
    const wire = toGradientRun(makeRun(), { valueTypes })
    expect(wire.star_metric_result).toEqual({
      metric_name: 'correctness',
      metric_value_type: 'METRIC_VALUE_TYPE_PERCENTAGE',
      number_value: 75,
      reasoning: 'failed (percentage:mean*100>=successThresholdPct); 100% of items passed',
    })
    const [lev, cor, tox] = wire.run_level_metric_results ?? []
    expect(lev).toEqual({
      metric_name: 'levenshtein',
      metric_value_type: 'METRIC_VALUE_TYPE_NUMBER',
      number_value: 0.7,
      reasoning: 'mean of 3 scored items (min 0.40, max 1); 66.667% passed >= 0.80',
    })
    expect(cor?.number_value).toBe(75)
    expect(cor?.reasoning).toBe('mean of 3 scored items (min 50, max 100); 100% passed >= 50')
    expect(tox).toEqual({
      metric_name: 'toxicity',
      metric_value_type: 'METRIC_VALUE_TYPE_NUMBER',
      reasoning: '3 evaluator errors',
      error_description: 'no score: all 3 evaluations of toxicity failed',
    })
  })

  it('omits pass_status, star result and finish time while the run is in progress', () => {
    const run = makeRun({ status: 'running', finishedAt: null, errorDescription: null })
    run.summary = { ...run.summary, star: null }
    const wire = toGradientRun(run, { valueTypes })
    expect(wire.status).toBe('EVALUATION_RUN_RUNNING_DATASET')
    expect(wire).not.toHaveProperty('pass_status')
    expect(wire).not.toHaveProperty('star_metric_result')
    expect(wire).not.toHaveProperty('finished_at')
  })

  it('passes the run error description through', () => {
    const wire = toGradientRun(makeRun({ status: 'failed', errorDescription: 'worker crashed' }), {
      valueTypes,
    })
    expect(wire.status).toBe('EVALUATION_RUN_FAILED')
    expect(wire.error_description).toBe('worker crashed')
  })
})

describe('toGradientPrompt', () => {
  const valueTypes = metricValueTypes(metrics)

  it('uses the ordinal as prompt_id, strings for token counts and JSON text for structured input', () => {
    const wire = toGradientPrompt(makeItem(), valueTypes)
    expect(APIEvaluationPromptSchema.strict().parse(wire)).toEqual(wire)
    expect(wire.prompt_id).toBe(5)
    expect(wire.input).toBe('{"question":"How long is the refund window?"}')
    expect(wire.output).toBe('Refunds within 30 days.')
    expect(wire.ground_truth).toBe('30 days')
    expect(wire.input_tokens).toBe('1234')
    expect(wire.output_tokens).toBe('56')
    expect(wire.trace_id).toBe('0123456789abcdef0123456789abcdef')
    expect(wire.prompt_chunks).toEqual([])
  })

  it('maps each score to a prompt-level metric result', () => {
    const wire = toGradientPrompt(makeItem(), valueTypes)
    expect(wire.prompt_level_metric_results).toEqual([
      {
        metric_name: 'levenshtein',
        metric_value_type: 'METRIC_VALUE_TYPE_NUMBER',
        number_value: 0.9,
        reasoning: 'close',
      },
      { metric_name: 'correctness', metric_value_type: 'METRIC_VALUE_TYPE_PERCENTAGE', number_value: 25 },
      {
        metric_name: 'toxicity',
        metric_value_type: 'METRIC_VALUE_TYPE_NUMBER',
        error_description: 'judge unavailable',
      },
    ])
  })

  it('omits tokens, output and ground truth that the item does not have', () => {
    const wire = toGradientPrompt(
      makeItem({
        usage: null,
        output: null,
        expected: undefined,
        status: 'failed',
        error: { name: 'Error', message: 'x' },
      }),
      valueTypes,
    )
    expect(wire).not.toHaveProperty('input_tokens')
    expect(wire).not.toHaveProperty('output_tokens')
    expect(wire).not.toHaveProperty('output')
    expect(wire).not.toHaveProperty('ground_truth')
  })
})

describe('toGradientTestCase', () => {
  it('maps the suite with metric uuids, star metric and dataset', () => {
    const ids = new Map([
      ['levenshtein', 'm-lev'],
      ['correctness', 'm-cor'],
      ['toxicity', 'm-tox'],
    ])
    const wire = toGradientTestCase(makeSuite(), {
      metricIds: ids,
      dataset: { id: 'ds-1', name: 'faq-data', createdAt: T0, itemCount: 42 },
      datasetFileSize: 2048,
      datasetHasGroundTruth: true,
      latestVersionRuns: 2,
    })
    expect(APIEvaluationTestCaseSchema.strict().parse(wire)).toEqual(wire)
    expect(wire).toMatchObject({
      test_case_uuid: 'suite-1',
      name: 'faq',
      description: 'FAQ answers',
      version: 3,
      dataset_uuid: 'ds-1',
      dataset_name: 'faq-data',
      dataset: {
        dataset_uuid: 'ds-1',
        dataset_name: 'faq-data',
        created_at: T0,
        file_size: '2048',
        has_ground_truth: true,
        row_count: 42,
      },
      star_metric: { metric_uuid: 'm-cor', name: 'correctness', success_threshold_pct: 80 },
      total_runs: 7,
      latest_version_number_of_runs: 2,
    })
    expect(wire.metrics?.map((m) => [m.metric_uuid, m.metric_name, m.metric_value_type])).toEqual([
      ['m-lev', 'levenshtein', 'METRIC_VALUE_TYPE_NUMBER'],
      ['m-cor', 'correctness', 'METRIC_VALUE_TYPE_PERCENTAGE'],
      ['m-tox', 'toxicity', 'METRIC_VALUE_TYPE_NUMBER'],
    ])
    expect(wire.metrics?.[1]).toMatchObject({ range_min: 0, range_max: 100, inverted: false })
    expect(wire.metrics?.[2]).toMatchObject({ inverted: true, description: 'lower is better' })
  })

  it('expresses the star success_threshold of a percentage metric in percent, like its values', () => {
    const suite = makeSuite({ star: { metric: 'correctness', successThreshold: 0.75 } })
    const wire = toGradientTestCase(suite, { metricIds: new Map([['correctness', 'm-cor']]) })
    expect(wire.star_metric).toEqual({ metric_uuid: 'm-cor', name: 'correctness', success_threshold: 75 })
    expect(fromWireNumber(75, 'percentage')).toBe(0.75)
    expect(fromWireNumber(0.75, 'number')).toBe(0.75)
    const plain = toGradientTestCase(makeSuite({ star: { metric: 'levenshtein', successThreshold: 0.6 } }), {
      metricIds: new Map(),
    })
    expect(plain.star_metric).toEqual({ name: 'levenshtein', success_threshold: 0.6 })
  })

  it('leaves metric_uuid out for metrics missing from the catalogue', () => {
    const wire = toGradientTestCase(makeSuite({ star: null, datasetId: null }), { metricIds: new Map() })
    expect(wire.metrics?.[0]).not.toHaveProperty('metric_uuid')
    expect(wire).not.toHaveProperty('star_metric')
    expect(wire).not.toHaveProperty('dataset_uuid')
    expect(wire.dataset).toEqual({ dataset_name: 'faq-data', row_count: 42 })
  })
})

describe('other mappers', () => {
  it('maps a catalogue metric', () => {
    expect(
      toGradientMetric({
        ...MetricDefSchema.parse({ name: 'exact', scoreType: 'boolean' }),
        id: 'm1',
        projectId: 'p1',
      }),
    ).toEqual({
      metric_uuid: 'm1',
      metric_name: 'exact',
      metric_type: 'METRIC_TYPE_GENERAL_QUALITY',
      metric_value_type: 'METRIC_VALUE_TYPE_NUMBER',
      range_min: 0,
      range_max: 1,
      inverted: false,
    })
  })

  it('maps a dataset to the MCP list row', () => {
    const row = toGradientDataset(
      {
        id: 'd1',
        projectId: 'p1',
        name: 'qa',
        tags: [],
        turnType: 'single',
        version: 1,
        contentHash: 'h',
        itemCount: 3,
        createdAt: T0,
        updatedAt: T0,
      },
      { fileSize: 99, hasGroundTruth: false },
    )
    expect(row).toEqual({
      dataset_uuid: 'd1',
      dataset_name: 'qa',
      created_at: T0,
      row_count: 3,
      file_size: '99',
      has_ground_truth: false,
    })
  })

  it('serialises non-string text as JSON', () => {
    expect(toWireText('a')).toBe('a')
    expect(toWireText(3)).toBe('3')
    expect(toWireText([{ role: 'user', content: 'hi' }])).toBe('[{"role":"user","content":"hi"}]')
    expect(toWireText(null)).toBeUndefined()
  })

  it('builds pagination links and meta', () => {
    expect(paginate('http://h/x', 2, 10, 25)).toEqual({
      links: {
        pages: {
          first: 'http://h/x?page=1&per_page=10',
          last: 'http://h/x?page=3&per_page=10',
          next: 'http://h/x?page=3&per_page=10',
          previous: 'http://h/x?page=1&per_page=10',
        },
      },
      meta: { page: 2, pages: 3, total: 25 },
    })
    expect(paginate('http://h/x', 1, 10, 0)).toEqual({
      links: { pages: { first: 'http://h/x?page=1&per_page=10', last: 'http://h/x?page=1&per_page=10' } },
      meta: { page: 1, pages: 1, total: 0 },
    })
  })
})
