import { setMaxListeners } from 'node:events'
import { relative, sep } from 'node:path'
import { afterAll, beforeAll, describe, inject, test } from 'vitest'
import * as z from 'zod/mini'
import { metricOf } from '../core/evaluate.js'
import { createLimiter } from '../core/limiter.js'
import { runItem } from '../core/run-item.js'
import type { TaskResult } from '../core/task-result.js'
import type { EvalTask } from '../core/types.js'
import { dataset as datasets, type ItemInput } from '../dataset/index.js'
import type { Dataset, Item, LoadedDataset } from '../dataset/types.js'
import { validateEvaluators } from '../evaluators/index.js'
import type { Evaluator, EvaluatorLike } from '../evaluators/types.js'
import { setJudgeDefaults } from '../judges/config.js'
import { installReplay } from '../replay/install.js'
import { type ReplayMode, resolveMode } from '../replay/mode.js'
import { emptyStats, type ReplayScope, runInScope } from '../replay/scope.js'
import { replaySettings } from '../replay/settings.js'
import { flushRecordings, recordingsPathFor } from '../replay/store.js'
import type { JsonValue } from '../schema/common.js'
import { ChatMessageSchema } from '../schema/common.js'
import type { StarMetric } from '../schema/gate.js'
import {
  checkSuiteDef,
  EVAL_META_KEY,
  type EvalMeta,
  type ItemResult,
  parseSuiteDef,
  type SuiteDef,
} from '../schema/meta.js'
import { TimeSlice } from '../util/time-slice.js'
import './augment.js'
import { EvalItemFailure, failureMessage } from './failure.js'
import {
  DescribeEvalError,
  type DescribeEvalOptions,
  type ParsedOptions,
  parseOptions,
  typeName,
} from './options.js'
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_ITEM_TIMEOUT_MS,
  type EvalgateSettings,
  SETTINGS_KEY,
} from './settings.js'
import { itemTestName } from './test-name.js'

export type { DescribeEvalOptions, EvalTask, TaskResult }
export { DescribeEvalError }

/** What describeEval takes as data: a dataset (`dataset.jsonl(...)`, …) or items written inline. */
export type EvalData<I, E> = Dataset<I, E> | readonly ItemInput<I, E>[]

type DescribeEvalFn = <I = JsonValue, O = unknown, E = JsonValue>(
  data: EvalData<I, E>,
  task: EvalTask<I, O, E>,
  // NoInfer: the types come from the data and the task; generic evaluators adapt to them.
  evaluators: readonly EvaluatorLike<NoInfer<I>, NoInfer<O>, NoInfer<E>>[],
  options?: DescribeEvalOptions,
) => void

export interface DescribeEval extends DescribeEvalFn {
  /** Like `describe.only`: run only this suite (and other `.only` suites) in the file. */
  only: DescribeEvalFn
  /** Like `describe.skip`: declare the suite's item tests as skipped. */
  skip: DescribeEvalFn
}

/** Everything checked when the suite is defined, before its dataset is loaded. */
interface SuitePlan {
  name: string
  options: ParsedOptions
  dataset: Dataset<unknown, unknown>
  task: EvalTask<unknown, unknown, unknown>
  evaluators: Evaluator[]
  star: StarMetric | null
  concurrency: number
  timeoutMs: number
  evaluatorTimeoutMs: number
  trials: number
  /** What happens to the model calls of this suite's items (EVALGATE_REPLAY, `vitest -u`). */
  replayMode: ReplayMode
}

type Mode = 'run' | 'only' | 'skip'

function define(mode: Mode, data: unknown, task: unknown, evaluators: unknown, options: unknown): void {
  const settings = providedSettings()
  let plan: SuitePlan | undefined
  let problem: unknown
  let skip = mode === 'skip'
  try {
    const planned = planSuite(data, task, evaluators, options, settings)
    const skipIf = planned.options.skipIf
    if (typeof skipIf === 'function' ? skipIf() : skipIf === true) skip = true
    plan = planned
  } catch (error) {
    problem = error
  }
  const name = plan?.name ?? fallbackName(data, options)
  const declare = skip ? describe.skip : mode === 'only' ? describe.only : describe
  // The dataset is loaded in the (async) collector. A problem with the arguments or the data fails
  // this suite through a failing beforeAll hook: thrown from the collector, it would instead fail the
  // whole file's collection and hide the other suites in it.
  declare(name, async () => {
    try {
      if (!plan) throw problem
      const loaded = await plan.dataset.load()
      declareItemTests(plan, loaded, settings)
    } catch (error) {
      if (skip) return // a skipped suite does not need its data
      beforeAll(() => {
        throw error
      })
    }
  })
}

/** One declared item test × trial and, once started, the run of its item. */
interface ItemRun {
  name: string
  item: Item<unknown, unknown>
  trial: number
  /** Started in the suite's beforeAll; taken (and cleared) by the test, so results don't pile up. */
  pending?: Promise<ItemResult>
  /** Replay scope of the latest start: its counts go to the test's meta. */
  scope?: ReplayScope
  /** Started by the suite (ahead of its test), so the suite does not start it again. */
  started?: boolean
}

/**
 * How many items the suite keeps started ahead of the test that is waiting: enough that its
 * limiter always has `concurrency` items running and as many queued, so tests never wait for a
 * start, without holding thousands of started items (promises, signals, closures) at once.
 */
function startAhead(concurrency: number): number {
  return Math.max(2 * concurrency, 16)
}

/**
 * Eager start: the item tests are plain sequential tests, and the suite's beforeAll starts every item
 * whose test is going to run, through the suite's limiter. Each test then only awaits its own item.
 * So the suite's `concurrency` governs (not Vitest's `maxConcurrency`), and Vitest never holds
 * thousands of started concurrent tests waiting for a slot. See README.md ("Eager start").
 */
function declareItemTests(
  plan: SuitePlan,
  loaded: LoadedDataset<unknown, unknown>,
  settings: EvalgateSettings | undefined,
): void {
  const suite = suiteDefinition(plan, loaded)
  const limiter = createLimiter(plan.concurrency)
  const { trials } = plan
  const runs: ItemRun[] = []
  // Cancels every pending item: the run was cancelled while a test waited, or the suite is over
  // (items whose test was skipped after the start, e.g. by --bail, need not finish).
  const cancel = new AbortController()
  // Every item in a slot listens to this one signal (up to `concurrency` at once).
  setMaxListeners(0, cancel.signal)
  let file = ''
  let recordings = ''

  const start = (run: ItemRun): Promise<ItemResult> => {
    const scope = replayScope(plan, recordings, run.item.id, run.trial)
    run.scope = scope
    const go = () =>
      runItem({
        suite: plan.name,
        item: run.item,
        trial: run.trial,
        task: plan.task,
        evaluators: plan.evaluators,
        limiter,
        timeoutMs: plan.timeoutMs,
        evaluatorTimeoutMs: plan.evaluatorTimeoutMs,
        signal: cancel.signal,
      })
    // The task's and judges' model calls inside this item × trial are recorded/replayed by the scope.
    const pending = scope ? runInScope(scope, go) : go()
    // runItem never rejects by contract; should it ever, a pre-started item whose test does not run
    // must not become an unhandled rejection (the test awaiting it still sees the rejection).
    pending.catch(() => {})
    return pending
  }

  // The runs whose test will run, in test order; `next` is the first not yet started.
  let toStart: ItemRun[] = []
  let next = 0
  let startedAhead = 0
  const ahead = startAhead(plan.concurrency)
  const topUp = () => {
    while (startedAhead < ahead && next < toStart.length) {
      const run = toStart[next++]!
      if (run.started) continue
      run.started = true
      run.pending = start(run)
      startedAhead++
    }
  }

  // Vitest 3 calls beforeAll hooks with (suite), Vitest 4 with (context, suite); Vitest 4 also
  // parses the hook's parameter list for fixtures, so the hook declares no parameters.
  beforeAll(function startItems() {
    // biome-ignore lint/complexity/noArguments: see above; a rest parameter is rejected by Vitest 4
    const vitestSuite = Array.from(arguments as ArrayLike<unknown>).findLast(isSuiteTask)
    const tests = vitestSuite?.tasks
    if (!vitestSuite || !tests || tests.length !== runs.length) {
      throw new Error(
        `evalgate: describeEval(${JSON.stringify(plan.name)}) expected its ${runs.length} item tests in the suite passed to beforeAll, got ${tests ? tests.length : 'no suite'}`,
      )
    }
    file = relative(settings?.root ?? process.cwd(), vitestSuite.file.filepath)
      .split(sep)
      .join('/')
    recordings = recordingsPathFor(vitestSuite.file.filepath)
    if (plan.replayMode !== 'off') installReplay()
    toStart = []
    next = 0
    startedAhead = 0
    for (let i = 0; i < runs.length; i++) {
      const test = tests[i]!
      const run = runs[i]!
      if (test.type !== 'test' || test.name !== run.name) {
        throw new Error(
          `evalgate: describeEval(${JSON.stringify(plan.name)}): test ${i} is ${JSON.stringify(test.name)}, expected ${JSON.stringify(run.name)}`,
        )
      }
      run.started = false
      // After -t, .only, .skip, test ids and tag filters, only tests in mode "run" will run
      // ("queued" is what runTest also accepts).
      if (test.mode === 'run' || test.mode === 'queued') toStart.push(run)
    }
    topUp()
  })
  afterAll(() => {
    cancel.abort(cancelledError('the suite finished before this item was used'))
    for (const run of runs) run.pending = undefined
    flushRecordings()
  })

  for (const item of loaded.items) {
    for (let trial = 0; trial < trials; trial++) {
      const run: ItemRun = { name: itemTestName(item, trial, trials), item, trial }
      runs.push(run)
      // Sequential (also inside a concurrent describe or with sequence.concurrent): the work is
      // already running in the suite's limiter. Timeout 0: the engine bounds the task (`timeout`,
      // from slot acquisition) and each evaluator (`evaluatorTimeout`), so the test always settles.
      test(run.name, { concurrent: false, timeout: 0 }, async (context) => {
        // A retry or repeat of this test (or a test the suite did not start) runs the item afresh.
        let pending = run.pending
        if (pending) startedAhead--
        else {
          run.started = true
          pending = start(run)
        }
        const scope = run.scope
        run.pending = undefined
        topUp()
        const signal = context.signal
        // Aborted while waiting: the run was cancelled; stop the suite's pending items too.
        const onCancel = () => cancel.abort(signal.reason)
        signal?.addEventListener('abort', onCancel, { once: true })
        let result: ItemResult
        try {
          result = await pending
        } finally {
          signal?.removeEventListener('abort', onCancel)
        }
        // Items that finish without I/O (deterministic tasks, replayed model calls) would run the
        // whole suite in one turn of the event loop; Vitest's results to the main process then
        // wait in the IPC pipe until the end. Every few ms the worker lets the pipe drain, so the
        // reporter uploads while the tests still run.
        if (ipcSlice.due()) await ipcSlice.pause()
        const meta: EvalMeta = {
          schemaVersion: 1,
          suite,
          file,
          trials,
          // Not re-validated here: runItem builds results from validated parts (its shape is tested
          // against ItemResultSchema), and the reporter validates the whole EvalMeta on arrival,
          // naming the test and field of anything invalid. Re-parsing cost ~3 µs and a copy per item.
          result,
        }
        context.task.meta[EVAL_META_KEY] = meta
        if (scope && scope.stats.replayed + scope.stats.recorded + scope.stats.live > 0) {
          context.task.meta.evalgateReplay = { ...scope.stats }
        }
        if (scope?.problems.length && result.error && !result.error.message.includes(scope.problems[0]!)) {
          // e.g. the OpenAI SDK reports a strict-mode miss as "Connection error.": say what happened.
          result.error.message = `${result.error.message} (${scope.problems[0]})`
        }
        if (!result.passed) throw new EvalItemFailure(failureMessage(result, trials), taskErrorOf(result))
      })
    }
  }
}

/** This worker's stretches of synchronous test work (see the item test). */
const ipcSlice = new TimeSlice(2)

/** The slice of Vitest's suite task (3.2 and 4) that beforeAll reads. */
interface SuiteTask {
  tasks: readonly { type: string; name: string; mode: string }[]
  file: { filepath: string }
}

function isSuiteTask(value: unknown): value is SuiteTask {
  const candidate = value as Partial<SuiteTask> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    Array.isArray(candidate.tasks) &&
    typeof candidate.file?.filepath === 'string'
  )
}

function cancelledError(message: string): Error {
  const error = new Error(message)
  error.name = 'AbortError'
  return error
}

function planSuite(
  data: unknown,
  task: unknown,
  evaluatorList: unknown,
  rawOptions: unknown,
  settings: EvalgateSettings | undefined,
): SuitePlan {
  const knownName = fallbackName(data, rawOptions)
  const label = knownName === UNNAMED ? 'describeEval' : `describeEval(${JSON.stringify(knownName)})`
  const options = parseOptions(rawOptions, label)
  if (typeof task !== 'function') {
    throw new DescribeEvalError(
      `${label}: the task (2nd argument) must be a function (input, { signal, item, trial }) => output, got ${typeName(task)}`,
    )
  }
  let evaluators: Evaluator[]
  try {
    evaluators = validateEvaluators(evaluatorList)
  } catch (error) {
    throw new DescribeEvalError(`${label}: invalid evaluators (3rd argument): ${(error as Error).message}`)
  }
  const dataset = toDataset(data, options, label)
  const name = options.name ?? dataset.name
  const star =
    options.star === undefined
      ? null
      : typeof options.star === 'string'
        ? { metric: options.star }
        : options.star
  // The suite-definition rules, checked at definition time (the dataset version comes later).
  checkSuiteDef(name, { metrics: evaluators.map(metricOf), star, gate: options.gate ?? null })
  const timeoutMs = options.timeout ?? settings?.timeout ?? DEFAULT_ITEM_TIMEOUT_MS
  return {
    name,
    options,
    dataset,
    task: task as EvalTask<unknown, unknown, unknown>,
    evaluators,
    star,
    concurrency: options.concurrency ?? settings?.concurrency ?? DEFAULT_CONCURRENCY,
    timeoutMs,
    evaluatorTimeoutMs: options.evaluatorTimeout ?? timeoutMs,
    trials: options.trials ?? 1,
    replayMode: resolveMode(process.env, inject('evalgateReplayUpdate') === true),
  }
}

/** A fresh replay scope for one item × trial, or none when replay is off. */
function replayScope(
  plan: SuitePlan,
  recordings: string,
  item: string,
  trial: number,
): ReplayScope | undefined {
  if (plan.replayMode === 'off' || recordings === '') return undefined
  const { redact, salt } = replaySettings()
  return {
    mode: plan.replayMode,
    file: recordings,
    item,
    trial,
    salt,
    redact,
    occurrences: new Map(),
    stats: emptyStats(),
    problems: [],
  }
}

function toDataset(data: unknown, options: ParsedOptions, label: string): Dataset<unknown, unknown> {
  if (Array.isArray(data)) {
    if (options.name === undefined) {
      throw new DescribeEvalError(
        `${label}: option \`name\` is required when the items are passed as a plain array (or use dataset.inline(name, items))`,
      )
    }
    const inline = datasets.inline<unknown, unknown>(
      options.name,
      data as ItemInput<unknown, unknown>[],
      options.turnType ? { turnType: options.turnType } : undefined,
    )
    return options.tags ? inline.withTags(...options.tags) : inline
  }
  if (!isDataset(data)) {
    throw new DescribeEvalError(
      `${label}: the first argument must be a dataset (dataset.jsonl(...), dataset.inline(...), …) or an array of items, got ${typeName(data)}`,
    )
  }
  if (options.turnType !== undefined && options.turnType !== data.turnType) {
    throw new DescribeEvalError(
      `${label}: option \`turnType\` is ${JSON.stringify(options.turnType)} but dataset ${JSON.stringify(data.name)} is ${JSON.stringify(data.turnType)}; set the turn type on the dataset`,
    )
  }
  return options.tags ? data.withTags(...options.tags) : data
}

function suiteDefinition(plan: SuitePlan, loaded: LoadedDataset<unknown, unknown>): SuiteDef {
  if (loaded.turnType === 'multi') checkChatInputs(plan.name, loaded.items)
  return parseSuiteDef(
    {
      name: plan.name,
      description: plan.options.description,
      dataset: { name: loaded.name, version: loaded.version, size: loaded.items.length },
      turnType: loaded.turnType,
      metrics: plan.evaluators.map(metricOf),
      star: plan.star,
      gate: plan.options.gate ?? null,
    },
    plan.name,
  )
}

/** Multi-turn datasets validate this already; a custom Dataset implementation might not. */
function checkChatInputs(suite: string, items: readonly Item<unknown, unknown>[]): void {
  const conversation = z.array(ChatMessageSchema).check(z.minLength(1))
  for (const item of items) {
    if (!conversation.safeParse(item.input).success) {
      throw new DescribeEvalError(
        `describeEval(${JSON.stringify(suite)}): item #${item.index} ${JSON.stringify(item.id)}: input must be a non-empty list of chat messages { role, content } in a multi-turn suite`,
      )
    }
  }
}

function isDataset(value: unknown): value is Dataset<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Dataset).load === 'function' &&
    typeof (value as Dataset).withTags === 'function' &&
    typeof (value as Dataset).name === 'string'
  )
}

function fallbackName(data: unknown, options: unknown): string {
  const fromOptions = (options as { name?: unknown } | undefined)?.name
  if (typeof fromOptions === 'string' && fromOptions !== '') return fromOptions
  const fromData = (data as { name?: unknown } | null | undefined)?.name
  if (!Array.isArray(data) && typeof fromData === 'string' && fromData !== '') return fromData
  return UNNAMED
}

const UNNAMED = 'describeEval (unnamed suite)'

/** The task's own error, rebuilt so Vitest prints its stack as the failure's cause. */
function taskErrorOf(result: {
  status: string
  error: { name: string; message: string; stack?: string } | null
}) {
  if (result.status !== 'failed' || !result.error) return undefined
  const error = new Error(result.error.message)
  error.name = result.error.name
  error.stack = result.error.stack ?? `${result.error.name}: ${result.error.message}`
  return error
}

function providedSettings(): EvalgateSettings | undefined {
  const settings = inject(SETTINGS_KEY)
  if (!settings || typeof settings !== 'object' || settings.plugin !== true) return undefined
  // The plugin's judge settings become this worker's defaults for evalgate/judges.
  if (settings.judge) setJudgeDefaults(settings.judge)
  return settings
}

/**
 * Declares one Vitest suite with one concurrent test per dataset item (× trials).
 *
 * `describeEval(dataset, task, evaluators, options?)`: the dataset is loaded while Vitest collects
 * the file; each test waits for a slot of the suite's limiter (`concurrency`), runs the task with
 * `timeout` counted from slot acquisition, runs the evaluators, writes the item result to
 * `task.meta.evalgate` and fails when the task threw or timed out or a thresholded evaluator failed.
 *
 * Typing tip: annotate the task's input (`async (input: string) => …`); TypeScript types inline
 * `evaluator(...)` calls before it infers an unannotated task's output.
 */
export const describeEval: DescribeEval = Object.assign(
  ((data, task, evaluators, options) => define('run', data, task, evaluators, options)) as DescribeEvalFn,
  {
    only: ((data, task, evaluators, options) =>
      define('only', data, task, evaluators, options)) as DescribeEvalFn,
    skip: ((data, task, evaluators, options) =>
      define('skip', data, task, evaluators, options)) as DescribeEvalFn,
  },
)
