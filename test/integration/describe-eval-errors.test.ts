import { beforeAll, describe, expect, it } from 'vitest'
import { type FixtureRun, metaOf, runFixture, testsOfSuite } from './describe-eval-harness.js'

/** The failure block Vitest prints for a failed suite: from its FAIL header to the next separator. */
function suiteFailure(run: FixtureRun, file: string, suite: string): string {
  const header = `FAIL  evals/${file} > ${suite}\n`
  const start = run.output.indexOf(header)
  if (start < 0) throw new Error(`no failure printed for suite ${suite}:\n${run.output}`)
  const end = run.output.indexOf('⎯⎯⎯', start)
  return run.output.slice(start + header.length, end < 0 ? undefined : end)
}

describe('bad datasets and bad arguments fail their own suite, not the run', () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture('describe-errors')
  })

  it('reports every broken suite as a failed suite and still runs the healthy ones', () => {
    expect(run.code).toBe(1)
    // 4 dataset suites + 13 option suites, plus the 2 files holding them (JSON counts files as suites).
    expect(run.report.numFailedTestSuites).toBe(19)
    expect(run.output).toContain('Failed Suites 17')
    const healthy = testsOfSuite(run, 'healthy')
    expect(healthy.map((t) => t.status)).toEqual(['passed'])
    expect(metaOf(healthy[0]!).result.output).toBe('x')
    expect(testsOfSuite(run, 'good-options').map((t) => t.status)).toEqual(['passed'])
    expect(run.report.numTotalTests).toBe(2)
  })

  it('names the file, line and field of malformed dataset rows', () => {
    const text = suiteFailure(run, 'datasets.eval.ts', 'broken')
    expect(text).toContain('DatasetError: dataset "broken"')
    expect(text).toMatch(/data\/broken\.jsonl:2: invalid JSON/)
    expect(text).toMatch(/data\/broken\.jsonl:3: "input" is required/)
  })

  it('reports a missing file, duplicate explicit ids and a failing loader', () => {
    expect(suiteFailure(run, 'datasets.eval.ts', 'missing')).toMatch(
      /cannot read .*does-not-exist\.jsonl: no such file/,
    )
    expect(suiteFailure(run, 'datasets.eval.ts', 'dupes')).toContain(
      'items[1]: "id" duplicates id "same" already used at items[0]',
    )
    expect(suiteFailure(run, 'datasets.eval.ts', 'flaky-loader')).toContain(
      'the loader failed: database unreachable',
    )
  })

  it('gives one clear error per bad option, naming it and the value given', () => {
    const cases: [string, string][] = [
      [
        'bad-concurrency',
        'invalid options: option `concurrency`: must be a number (items in flight) (got "4")',
      ],
      [
        'bad-timeout',
        'option `timeout`: must be >= 1 (got -5); option `trials`: must be an integer (got 1.5)',
      ],
      ['typo', 'invalid options: unknown option `concurency`'],
      ['bad-gate-shape', 'invalid options: unknown option `gate.passrate`'],
      // the one suite-definition message (SuiteDefError), the same from runTestSuite and the API
      [
        'bad-star',
        'invalid suite definition "bad-star": star.metric: star names the metric "accuracy", which is not one of the suite\'s metrics ("exact")',
      ],
      [
        'bad-gate',
        'invalid suite definition "bad-gate": gate.metrics.relevance: gate.metrics names the metric "relevance", which is not one of the suite\'s metrics ("exact")',
      ],
      [
        'bad-run-metric',
        'invalid suite definition "bad-run-metric": gate.runMetrics.spread.of: gate.runMetrics.spread.of names the metric "relevance", which is not one of the suite\'s metrics ("exact")',
      ],
      [
        'bad-task',
        'the task (2nd argument) must be a function (input, { signal, item, trial }) => output, got string',
      ],
      ['bad-evaluators', 'invalid evaluators (3rd argument): evaluators[1]: not an evaluator'],
      [
        'bad-data',
        'the first argument must be a dataset (dataset.jsonl(...), dataset.inline(...), …) or an array of items, got an object',
      ],
      [
        'describeEval (unnamed suite)',
        'describeEval: option `name` is required when the items are passed as a plain array',
      ],
      ['wrong-turn-type', 'option `turnType` is "multi" but dataset "opts" is "single"'],
      ['skip-if-throws', 'Error: cannot tell whether to skip'],
    ]
    for (const [suite, message] of cases) {
      const text = suiteFailure(run, 'options.eval.ts', suite)
      const errorType = ['bad-star', 'bad-gate', 'bad-run-metric'].includes(suite)
        ? 'SuiteDefError: '
        : 'DescribeEvalError: '
      if (suite !== 'skip-if-throws') expect(text, suite).toContain(errorType)
      expect(text, suite).toContain(message)
    }
  })
})
