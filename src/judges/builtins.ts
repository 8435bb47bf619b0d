import { markFactory } from '../evaluators/define.js'
import type { EvalContext, Evaluator } from '../evaluators/types.js'
import { JudgeError } from './classify.js'
import type { JudgeModelOption } from './config.js'
import { llmJudge } from './llm-judge.js'
import { asText } from './template.js'

/** Options every built-in judge takes. */
export interface JudgeOptions {
  /** Metric name (default: the judge's own name). */
  name?: string
  /** Pass when score >= threshold. Default none. */
  threshold?: number | null
  /** Model name or settings overriding the configured judge model. */
  model?: JudgeModelOption
  /** Majority vote over n answers (default 1). */
  samples?: number
  /** Ask for a rationale before the choice (default true). */
  reasoning?: boolean
}

/** Where RAG judges find the retrieved context: default `item.metadata.context` (a string or list of strings). */
export type ContextSelector = (ctx: EvalContext) => unknown

function common(options: JudgeOptions) {
  return {
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.samples !== undefined ? { samples: options.samples } : {}),
    ...(options.reasoning !== undefined ? { reasoning: options.reasoning } : {}),
  }
}

function needExpected(judge: string, ctx: EvalContext): string {
  if (ctx.expected === undefined || ctx.expected === null) {
    throw new JudgeError(`judge "${judge}" compares with the item's expected answer, and this item has none`)
  }
  return asText(ctx.expected)
}

function contextOf(judge: string, ctx: EvalContext, select: ContextSelector | undefined): string {
  const value = select ? select(ctx) : (ctx.metadata.context ?? ctx.metadata.contexts)
  const passages = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]
  if (passages.length === 0) {
    throw new JudgeError(
      `judge "${judge}": no context for this item: put the retrieved passages in item.metadata.context (a string or a list of strings) or pass { context: (ctx) => … }`,
    )
  }
  return passages.map((passage, i) => `[${i + 1}] ${asText(passage)}`).join('\n')
}

export const FACTUALITY_CHOICES = { A: 0.4, B: 0.6, C: 1, D: 0, E: 1 }

/** The output's facts against the item's expected answer (expert answer). */
export const factuality = markFactory(function factuality<I = unknown, O = unknown, E = unknown>(
  options: JudgeOptions = {},
): Evaluator<I, O, E> {
  const name = options.name ?? 'factuality'
  return llmJudge<I, O, E>({
    name,
    ...common(options),
    choices: FACTUALITY_CHOICES,
    prompt: (ctx) => `You are comparing a submitted answer with an expert answer to a question.
[Question]
${asText(ctx.input)}
[Expert answer]
${needExpected(name, ctx as EvalContext)}
[Submission]
${asText(ctx.output)}

Compare only the factual content of the submission with the expert answer; ignore style, grammar and punctuation. Choose one:
A: The submission is a subset of the expert answer and fully consistent with it.
B: The submission is a superset of the expert answer and fully consistent with it.
C: The submission contains all the same details as the expert answer.
D: The submission and the expert answer disagree.
E: The answers differ, but the differences do not matter for factuality.`,
  })
})

export interface CriteriaOptions extends JudgeOptions {
  /** What the output must satisfy, in plain words (or a function of the item). */
  criteria: string | ((ctx: EvalContext) => string)
}

function criteriaOf(judge: string, options: CriteriaOptions, ctx: EvalContext): string {
  const criteria = typeof options.criteria === 'function' ? options.criteria(ctx) : options.criteria
  if (typeof criteria !== 'string' || criteria.trim() === '') {
    throw new JudgeError(`judge "${judge}": criteria must be a non-empty string`)
  }
  return criteria
}

function checkCriteria(judge: string, options: CriteriaOptions | undefined): CriteriaOptions {
  if (!options || (typeof options.criteria !== 'string' && typeof options.criteria !== 'function')) {
    throw new TypeError(`${judge}(): option \`criteria\` is required (a string, or a function of the item)`)
  }
  return options
}

/** Yes/no: does the output satisfy the criteria, given the input? */
export const closedQA = markFactory(function closedQA<I = unknown, O = unknown, E = unknown>(
  options: CriteriaOptions,
): Evaluator<I, O, E> {
  const checked = checkCriteria('closedQA', options)
  const name = checked.name ?? 'closedQA'
  return llmJudge<I, O, E>({
    name,
    ...common(checked),
    choices: { Y: 1, N: 0 },
    prompt: (ctx) => `You are checking an answer against a criterion.
[Input]
${asText(ctx.input)}
[Answer]
${asText(ctx.output)}
[Criterion]
${criteriaOf(name, checked, ctx as EvalContext)}

Does the answer meet the criterion? Choose Y (yes) or N (no).`,
  })
})

export const RUBRIC_CHOICES = { '1': 0, '2': 0.25, '3': 0.5, '4': 0.75, '5': 1 }

/** Free-form criteria graded on a 1–5 scale (score = (grade − 1) / 4). */
export const rubric = markFactory(function rubric<I = unknown, O = unknown, E = unknown>(
  options: CriteriaOptions,
): Evaluator<I, O, E> {
  const checked = checkCriteria('rubric', options)
  const name = checked.name ?? 'rubric'
  return llmJudge<I, O, E>({
    name,
    ...common(checked),
    choices: RUBRIC_CHOICES,
    prompt: (ctx) => `You are grading an output against a rubric.
[Input]
${asText(ctx.input)}
[Output]
${asText(ctx.output)}
[Rubric]
${criteriaOf(name, checked, ctx as EvalContext)}

Grade how well the output meets the rubric:
1: not at all
2: a little: most of the rubric is missed
3: partly: some important parts are met and some are missed
4: mostly: only minor parts are missed
5: fully: every part is met`,
  })
})

export const RELEVANCE_CHOICES = { Y: 1, P: 0.5, N: 0 }

/** Does the answer address the question that was asked (regardless of correctness)? */
export const answerRelevance = markFactory(function answerRelevance<I = unknown, O = unknown, E = unknown>(
  options: JudgeOptions = {},
): Evaluator<I, O, E> {
  return llmJudge<I, O, E>({
    name: options.name ?? 'answerRelevance',
    ...common(options),
    choices: RELEVANCE_CHOICES,
    prompt: (
      ctx,
    ) => `You are judging whether an answer addresses the question it was given. Do not judge whether it is correct, only whether it responds to what was asked.
[Question]
${asText(ctx.input)}
[Answer]
${asText(ctx.output)}

Choose one:
Y: The answer directly addresses the question.
P: The answer partly addresses it: it is evasive, incomplete, or mostly about something else.
N: The answer does not address the question.`,
  })
})

export interface ContextOptions extends JudgeOptions {
  /** Retrieved context of the item; default `item.metadata.context` (or `contexts`). */
  context?: ContextSelector
}

export const SUPPORT_CHOICES = { all: 1, most: 0.67, some: 0.33, none: 0 }

/** Are the answer's claims supported by the retrieved context (no hallucination)? */
export const faithfulness = markFactory(function faithfulness<I = unknown, O = unknown, E = unknown>(
  options: ContextOptions = {},
): Evaluator<I, O, E> {
  const name = options.name ?? 'faithfulness'
  return llmJudge<I, O, E>({
    name,
    ...common(options),
    choices: { ...SUPPORT_CHOICES, no_claims: 1 },
    prompt: (
      ctx,
    ) => `You are checking whether an answer is faithful to the context it was given: every factual claim in the answer must be stated in, or directly follow from, the context. Knowledge outside the context does not count as support.
[Context]
${contextOf(name, ctx as EvalContext, options.context)}
[Question]
${asText(ctx.input)}
[Answer]
${asText(ctx.output)}

List the answer's factual claims and check each against the context. Then choose one:
all: every claim is supported by the context.
most: all but a minor claim are supported, and nothing contradicts the context.
some: some claims are supported, but important ones are not or contradict the context.
none: the claims are not supported by the context.
no_claims: the answer makes no factual claims (for example, it says it does not know).`,
  })
})

/** Are the facts of the expected answer present in the retrieved context (did retrieval find them)? */
export const contextRecall = markFactory(function contextRecall<I = unknown, O = unknown, E = unknown>(
  options: ContextOptions = {},
): Evaluator<I, O, E> {
  const name = options.name ?? 'contextRecall'
  return llmJudge<I, O, E>({
    name,
    ...common(options),
    choices: SUPPORT_CHOICES,
    prompt: (
      ctx,
    ) => `You are checking whether retrieved context contains the facts needed for a reference answer.
[Question]
${asText(ctx.input)}
[Reference answer]
${needExpected(name, ctx as EvalContext)}
[Retrieved context]
${contextOf(name, ctx as EvalContext, options.context)}

Split the reference answer into its facts and check whether each is present in the context. Choose one:
all: every fact is in the context.
most: all but a minor fact are in the context.
some: some facts are in the context, important ones are missing.
none: none of the facts are in the context.`,
  })
})

export interface ToolUseOptions extends JudgeOptions {
  /** What good tool use looks like for these items (optional guidance for the judge). */
  criteria?: string
}

export const TOOL_USE_CHOICES = { appropriate: 1, minor_issues: 0.5, inappropriate: 0 }

/** Did the agent call the right tools, with sensible arguments, and use their results? */
export const toolUse = markFactory(function toolUse<I = unknown, O = unknown, E = unknown>(
  options: ToolUseOptions = {},
): Evaluator<I, O, E> {
  return llmJudge<I, O, E>({
    name: options.name ?? 'toolUse',
    ...common(options),
    choices: TOOL_USE_CHOICES,
    prompt: (ctx) => `You are reviewing how an AI agent used its tools to handle a request.
[Request]
${asText(ctx.input)}
[Tool calls, in order]
${ctx.toolCalls?.length ? ctx.toolCalls.map((call, i) => `${i + 1}. ${call.name}(${JSON.stringify(call.arguments ?? {})}) -> ${JSON.stringify(call.result ?? null)}`).join('\n') : '(no tool calls)'}
[Final answer]
${asText(ctx.output)}${ctx.expected === undefined ? '' : `\n[Expected behaviour]\n${asText(ctx.expected)}`}${options.criteria ? `\n[Guidance]\n${options.criteria}` : ''}

Judge whether the agent called the tools the request needed (and not needless ones), with sensible arguments, and based its answer on their results. Choose one:
appropriate: the right tools, sensible arguments, results used.
minor_issues: mostly right, with a redundant call, a clumsy argument, or a result not fully used.
inappropriate: a needed tool was not called, a wrong or harmful one was, or the answer ignores the results.`,
  })
})
