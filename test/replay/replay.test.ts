// Record/replay end to end: real `vitest run` processes on a fixture whose task uses the real
// `openai` SDK and whose closedQA judge uses evalgate's undici client, both against a scripted
// OpenAI-compatible server on loopback.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import { startServer } from '../../src/server/index.js'
import { type Reply, type ScriptedModel, startScriptedModel, tool } from '../judges/scripted-model.js'
import { type FixtureRun, runFixture, scratchProject } from './run-fixture.js'

const KEY = 'sk-secret-key-0123456789'
let model: ScriptedModel
let taskCalls = 0
const works: string[] = []

beforeAll(async () => {
  model = await startScriptedModel((body): Reply => {
    if (body.tools) return tool('Y', 'It answers the question.')
    const n = taskCalls++
    // Every live answer differs, so replayed answers are recognisable.
    return body.stream
      ? { kind: 'sse', deltas: ['stream', 'ed answer ', `#${n}`] }
      : { kind: 'content', content: `answer #${n}` }
  })
})
afterAll(async () => {
  await model.close()
  for (const work of works) rmSync(work, { recursive: true, force: true })
})

function project(): string {
  const work = scratchProject()
  works.push(work)
  return work
}

const env = (extra: Record<string, string> = {}) => ({ MODEL_URL: model.baseUrl, MODEL_KEY: KEY, ...extra })
const recordingsOf = (work: string) => join(work, 'evals', '__recordings__', 'qa.eval.ts.jsonl')
const outputs = (run: FixtureRun) =>
  run.tests.map((t) => `${t.title} => ${String(t.meta?.result.output)}`).sort()
const scores = (run: FixtureRun) =>
  run.tests
    .map(
      (t) =>
        `${t.title} => ${JSON.stringify(t.meta?.result.scores.map((s) => [s.metric, s.score, s.reason]))}`,
    )
    .sort()

describe('record/replay', () => {
  let work: string
  let first: FixtureRun
  let requestsAfterFirst: number

  beforeAll(async () => {
    work = project()
    first = await runFixture(work, env({ EVALGATE_REPLAY: 'auto', FIXTURE_RUN: '1' }))
    requestsAfterFirst = model.requests.length
  })

  test('auto, first run: every call is live and recorded next to the eval file', () => {
    expect(first.code, first.output).toBe(0)
    expect(first.tests).toHaveLength(4)
    expect(first.output).toContain('evalgate replay: 0 calls replayed, 12 recorded, 0 live')
    const lines = readFileSync(recordingsOf(work), 'utf8').trim().split('\n')
    // 2 items × 2 trials × (task call + judge call + recorded())
    expect(lines).toHaveLength(12)
    const keys = lines.map((line) => JSON.parse(line).key as string)
    expect(keys).toEqual([...keys].sort())
  })

  test('trials get their own recordings (and their own answers)', () => {
    const entries = readFileSync(recordingsOf(work), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const task = entries.filter((e) => e.request?.body?.model === 'task-model')
    expect(task.map((e) => e.trial).sort()).toEqual([0, 0, 1, 1])
    const answers = new Set(task.map((e) => e.response.body.choices[0].message.content))
    expect(answers.size).toBe(4)
    const byItem = first.tests.filter((t) => t.meta?.result.itemId === first.tests[0]!.meta?.result.itemId)
    expect(new Set(byItem.map((t) => t.meta?.result.output)).size).toBe(2)
  })

  test('no key and no redacted field in any recording', () => {
    const text = readFileSync(recordingsOf(work), 'utf8')
    expect(text).not.toContain(KEY)
    expect(text).not.toContain('alice@example.com')
    expect(text).toContain('"user":"[redacted]"')
    expect(text.toLowerCase()).not.toContain('authorization')
  })

  test('second run: 0 live calls, identical outputs and scores', async () => {
    const second = await runFixture(work, env({ EVALGATE_REPLAY: 'auto', FIXTURE_RUN: '2' }))
    expect(second.code, second.output).toBe(0)
    expect(model.requests.length).toBe(requestsAfterFirst)
    expect(second.output).toContain('evalgate replay: 12 calls replayed, 0 recorded, 0 live')
    expect(outputs(second)).toEqual(outputs(first))
    expect(scores(second)).toEqual(scores(first))
    // recorded() replayed too: the note still says run 1
    expect(outputs(second).every((line) => line.includes('note of run 1'))).toBe(true)
  })

  test('strict: a missing recording fails the item, naming the request and file; nothing is sent', async () => {
    const before = model.requests.length
    const strict = await runFixture(
      work,
      env({ EVALGATE_REPLAY: 'strict', FIXTURE_VARIANT: ' (changed)', FIXTURE_RUN: '3' }),
    )
    expect(strict.code).not.toBe(0)
    expect(model.requests.length).toBe(before)
    const failure = strict.tests[0]!.meta?.result.error?.message ?? ''
    expect(failure).toContain('EVALGATE_REPLAY=strict: no recording of POST')
    expect(failure).toContain('/v1/chat/completions')
    expect(failure).toContain('qa.eval.ts.jsonl')
    expect(failure).toContain('(changed)')
  })

  test('vitest -u re-records every call', async () => {
    const before = model.requests.length
    const rerecord = await runFixture(work, env({ FIXTURE_RUN: '4' }), ['-u'])
    expect(rerecord.code, rerecord.output).toBe(0)
    expect(model.requests.length - before).toBe(8)
    expect(rerecord.output).toContain('evalgate replay: 0 calls replayed, 12 recorded, 0 live')
    expect(readFileSync(recordingsOf(work), 'utf8')).toContain('note of run 4')
  })

  test('a recording file that does not parse names the file and line and is left as it is', async () => {
    const path = recordingsOf(work)
    const lines = readFileSync(path, 'utf8').split('\n')
    lines[2] = '{"key": broken'
    const broken = lines.join('\n')
    writeFileSync(path, broken)
    const run = await runFixture(work, env({ EVALGATE_REPLAY: 'auto' }))
    expect(run.code).not.toBe(0)
    expect(run.tests[0]!.meta?.result.error?.message).toContain(`${path}:3: not a JSON line`)
    expect(readFileSync(path, 'utf8')).toBe(broken)
  })
})

describe('record/replay of streamed (SSE) answers', () => {
  test('recorded once, replayed in strict mode with the same text', async () => {
    const work = project()
    const recorded = await runFixture(work, env({ FIXTURE_STREAM: '1', FIXTURE_RUN: '1' }))
    expect(recorded.code, recorded.output).toBe(0)
    expect(outputs(recorded).every((line) => /streamed answer #\d+ \| note of run 1/.test(line))).toBe(true)
    const text = readFileSync(recordingsOf(work), 'utf8')
    expect(text).toContain('"content-type":"text/event-stream"')
    expect(text).toContain('data: [DONE]')
    const before = model.requests.length
    const replayed = await runFixture(
      work,
      env({ EVALGATE_REPLAY: 'strict', FIXTURE_STREAM: '1', FIXTURE_RUN: '2' }),
    )
    expect(replayed.code, replayed.output).toBe(0)
    expect(model.requests.length).toBe(before)
    expect(outputs(replayed)).toEqual(outputs(recorded))
  })

  test('off: nothing is recorded and every call is live', async () => {
    const work = project()
    const before = model.requests.length
    const run = await runFixture(work, env({ EVALGATE_REPLAY: 'off' }))
    expect(run.code, run.output).toBe(0)
    expect(model.requests.length - before).toBe(8)
    expect(existsSync(recordingsOf(work))).toBe(false)
    expect(run.output).not.toContain('evalgate replay:')
  })
})

describe('record/replay in watch mode', () => {
  test("the rerun makes 0 live calls and gets the first run's outputs and scores", async () => {
    const work = project()
    const before = model.requests.length
    const driver = fileURLToPath(new URL('../fixtures/replay/watch-driver.mjs', import.meta.url))
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...env({ FIXTURE_RUN: 'watch' }),
      FIXTURE_WORK_DIR: work,
      NO_COLOR: '1',
    }
    for (const key of ['CI', 'EVALGATE_REPLAY', 'EVALGATE_URL', 'GITHUB_ACTIONS']) delete childEnv[key]
    const child = spawn(process.execPath, [driver], {
      cwd: work,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, output).toBe(0)
    expect(model.requests.length - before, output).toBe(8)
    const first = output.indexOf('evalgate replay: 0 calls replayed, 12 recorded, 0 live')
    const rerun = output.indexOf('evalgate replay: 12 calls replayed, 0 recorded, 0 live')
    expect(first, output).toBeGreaterThan(-1)
    expect(rerun).toBeGreaterThan(first)

    const server = await startServer({ db: join(work, 'state', 'evalgate.db'), port: 0 })
    const api = new EvalgateApi({ url: server.url, retries: 0 })
    try {
      const { runs } = await api.runs.list({ suiteName: 'replay-qa' })
      expect(runs).toHaveLength(2)
      const results = await Promise.all(runs.map((run) => api.runs.results(run.id, { perPage: 100 })))
      const view = (items: (typeof results)[number]['items']) =>
        items
          .map((item) =>
            JSON.stringify([
              item.itemId,
              item.trial,
              item.output,
              item.scores.map((s) => [s.metric, s.score, s.reason]),
            ]),
          )
          .sort()
      expect(view(results[0]!.items)).toHaveLength(4)
      expect(view(results[0]!.items)).toEqual(view(results[1]!.items))
    } finally {
      await api.close()
      await server.close()
    }
  })
})

describe('two runs recording into one eval file at once', () => {
  test("each keeps the other's recordings, and both replay with 0 live calls", async () => {
    const work = project()
    const before = model.requests.length
    // Two `vitest run` processes on one checkout (as with the same eval file in two projects):
    // each reads the recordings file before the other writes it.
    const [a, b] = await Promise.all([
      runFixture(work, env({ EVALGATE_REPLAY: 'auto', FIXTURE_VARIANT: ' (a)', FIXTURE_RUN: 'a' })),
      runFixture(work, env({ EVALGATE_REPLAY: 'auto', FIXTURE_VARIANT: ' (b)', FIXTURE_RUN: 'b' })),
    ])
    expect(a.code, a.output).toBe(0)
    expect(b.code, b.output).toBe(0)
    expect(model.requests.length - before).toBe(16)
    const entries = readFileSync(recordingsOf(work), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const taskQuestions = entries
      .filter((e) => e.request?.body?.model === 'task-model')
      .map((e) => `${e.request.body.messages[0].content} #${e.trial}`)
      .sort()
    expect(taskQuestions).toEqual([
      'Name a prime number. (a) #0',
      'Name a prime number. (a) #1',
      'Name a prime number. (b) #0',
      'Name a prime number. (b) #1',
      'What is the capital of France? (a) #0',
      'What is the capital of France? (a) #1',
      'What is the capital of France? (b) #0',
      'What is the capital of France? (b) #1',
    ])
    // per run: 4 task calls, 4 judge calls, 4 recorded() values
    expect(entries).toHaveLength(24)
    expect(existsSync(`${recordingsOf(work)}.lock`)).toBe(false)

    const afterRecording = model.requests.length
    for (const variant of [' (a)', ' (b)']) {
      const strict = await runFixture(
        work,
        env({ EVALGATE_REPLAY: 'strict', FIXTURE_VARIANT: variant, FIXTURE_RUN: '2' }),
      )
      expect(strict.code, strict.output).toBe(0)
      expect(strict.output).toContain('evalgate replay: 12 calls replayed, 0 recorded, 0 live')
    }
    expect(model.requests.length).toBe(afterRecording)
  })
})
