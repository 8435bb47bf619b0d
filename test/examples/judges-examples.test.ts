// The judge examples (examples/judges: RAG with faithfulness + answerRelevance, pairwise, judge
// calibration) run for real against a local OpenAI-compatible stand-in, with the `openai` SDK as
// the task's client; and skipped with their message when no endpoint is configured.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { computeRunMetrics } from '../../src/gate/run-metrics.js'
import type { EvalMeta } from '../../src/schema/meta.js'
import { childEnv, runVitestJson } from '../helpers/vitest-json.js'
import { JUDGE_STAND_IN_KEY, type JudgeStandIn, section, startJudgeStandIn } from './judge-stand-in.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const config = join(repo, 'test/fixtures/examples-judges/vitest.config.ts')

interface Result {
  code: number | null
  output: string
  tests: { title: string; status: string; meta?: EvalMeta }[]
}

async function runExamples(env: Record<string, string>): Promise<Result> {
  const stateDir = mkdtempSync(join(tmpdir(), 'evalgate-judge-examples-'))
  try {
    const { code, output, report } = await runVitestJson<{
      testResults: {
        name: string
        assertionResults: { title: string; status: string; meta?: { evalgate?: EvalMeta } }[]
      }[]
    }>({
      config,
      cwd: repo,
      reportFile: join(stateDir, 'report.json'),
      // The examples' recordings are not written by tests (EVALGATE_REPLAY=off): every call is live.
      env: childEnv(
        ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'EVALGATE_MODEL', 'EVALGATE_JUDGE_MODEL', 'EVALGATE_URL'],
        {
          FIXTURE_STATE_DIR: stateDir,
          CI: '1',
          NO_COLOR: '1',
          EVALGATE_REPLAY: 'off',
          ...env,
        },
      ),
    })
    return {
      code,
      output,
      tests: report.testResults.flatMap((file) =>
        file.assertionResults.map((t) => ({ title: t.title, status: t.status, meta: t.meta?.evalgate })),
      ),
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true })
  }
}

describe('examples/judges against an OpenAI-compatible stand-in', () => {
  let standIn: JudgeStandIn
  let run: Result
  beforeAll(async () => {
    standIn = await startJudgeStandIn()
    run = await runExamples({
      OPENAI_API_KEY: JUDGE_STAND_IN_KEY,
      OPENAI_BASE_URL: standIn.baseUrl,
      EVALGATE_MODEL: 'stand-in-model',
    })
  })
  afterAll(() => standIn?.close())

  const suite = (name: string) => run.tests.filter((t) => t.meta?.suite.name === name)

  test('every suite ran and its gate passed', () => {
    expect(run.code, run.output).toBe(0)
    expect(run.tests.length).toBe(6 + 4 + 20)
    expect(run.tests.every((t) => t.status === 'passed' || t.meta?.suite.gate)).toBe(true)
  })

  test('RAG: faithfulness and answerRelevance judged each answer against the retrieved passages', () => {
    const items = suite('rag answers (judged)')
    expect(items).toHaveLength(6)
    for (const item of items) {
      const [faithful, relevant] = item.meta!.result.scores
      expect(faithful).toMatchObject({
        metric: 'faithfulness',
        score: 1,
        passed: true,
        metadata: { choice: 'all', model: 'stand-in-model' },
      })
      expect(relevant).toMatchObject({ metric: 'answerRelevance', score: 1, metadata: { choice: 'Y' } })
    }
    const faithfulnessPrompts = standIn.requests
      .map((r) => r.messages.at(-1)?.content ?? '')
      .filter((p) => p.includes('faithful to the context'))
    expect(faithfulnessPrompts).toHaveLength(6)
    expect(section(faithfulnessPrompts[0]!, 'Context')).toMatch(/^\[1\] .+\n\[2\] .+\n\[3\] .+$/)
  })

  test('pairwise: both orders asked per item; the terse answer wins both', () => {
    const items = suite('terse prompt vs chatty prompt (pairwise)')
    expect(items).toHaveLength(4)
    for (const item of items) {
      expect(item.meta!.result.scores[0]).toMatchObject({
        score: 1,
        metadata: { outputFirst: 'A', baselineFirst: 'B', consistent: true },
      })
    }
    const pairPrompts = standIn.requests
      .map((r) => r.messages.at(-1)?.content ?? '')
      .filter((p) => p.includes('[Response A]'))
    expect(pairPrompts).toHaveLength(8)
    const first = pairPrompts.find(
      (p) =>
        p.includes('How long do I have to return something?') &&
        section(p, 'Response A').startsWith('In short'),
    )
    const swapped = pairPrompts.find(
      (p) =>
        p.includes('How long do I have to return something?') &&
        section(p, 'Response B').startsWith('In short'),
    )
    expect(first && swapped).toBeTruthy()
  })

  test("calibration: the server's κ, accuracy and F1 match the hand computation from the judge's choices", () => {
    const items = suite('judge calibration (correctness vs human labels)')
    expect(items).toHaveLength(20)
    const rows = items.map((t) => ({
      status: t.meta!.result.status,
      output: t.meta!.result.output,
      expected: t.meta!.result.expected,
      metadata: {},
      latencyMs: 0,
      costUsd: null,
      scores: {},
    }))
    const disagreements = rows.filter((r) => r.output !== r.expected).length
    expect(disagreements).toBe(4) // cal-08, cal-11, cal-13, cal-18: see the stand-in's rule
    const [kappa, accuracy] = computeRunMetrics({ kappa: {}, accuracy: {} }, rows)
    expect(accuracy!.value).toBe(0.8)
    // 10 correct / 10 incorrect on both sides: pₑ = 0.5, κ = (0.8 − 0.5) / 0.5
    expect(kappa!.value).toBeCloseTo(0.6, 12)
    expect(run.output).toMatch(
      /run metrics: kappa 0\.600 \(n=20\) · accuracy 0\.800 \(n=20\) · f1 0\.800 \(n=20\) · incorrectRecall 0\.800 \(n=20\)/,
    )
  })
})

describe('examples/judges without an endpoint', () => {
  test('skipped, each suite saying how to configure one', async () => {
    const run = await runExamples({})
    expect(run.code, run.output).toBe(0)
    expect(run.tests.every((t) => t.status === 'skipped' || t.status === 'pending')).toBe(true)
    for (const suite of [
      'RAG suite (faithfulness + answerRelevance)',
      'pairwise suite',
      'judge calibration suite',
    ]) {
      expect(run.output).toContain(`[examples/judges] ${suite} skipped: set OPENAI_API_KEY`)
    }
  })
})
