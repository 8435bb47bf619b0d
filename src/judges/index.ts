// Public entry point of `evalgate/judges`: LLM-as-judge evaluators and their model settings.

export { type AiSdkLanguageModel, isAiSdkModel } from './ai-sdk.js'
export {
  answerRelevance,
  type ContextOptions,
  type ContextSelector,
  type CriteriaOptions,
  closedQA,
  contextRecall,
  FACTUALITY_CHOICES,
  factuality,
  faithfulness,
  type JudgeOptions,
  RELEVANCE_CHOICES,
  RUBRIC_CHOICES,
  rubric,
  SUPPORT_CHOICES,
  TOOL_USE_CHOICES,
  type ToolUseOptions,
  toolUse,
} from './builtins.js'
export { JudgeError, type Verdict } from './classify.js'
export {
  type JudgeModelOption,
  type JudgeModelSettings,
  NO_JUDGE_MODEL,
  resolveJudgeModel,
  setJudgeDefaults,
} from './config.js'
export { type LlmJudgeOptions, llmJudge } from './llm-judge.js'
export { type PairwiseOptions, pairwise } from './pairwise.js'
export { costOf, type ModelPrice, type PriceTable, priceOf, registerPrices } from './prices.js'
export type { JudgePrompt } from './template.js'
