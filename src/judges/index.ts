// Public entry point of `evalgate/judges`: LLM-as-judge evaluators and their model settings.
export { JudgeError, type Verdict } from './classify.js'
export {
  type JudgeModelOption,
  type JudgeModelSettings,
  NO_JUDGE_MODEL,
  resolveJudgeModel,
  setJudgeDefaults,
} from './config.js'
export { type LlmJudgeOptions, llmJudge } from './llm-judge.js'
export { costOf, type ModelPrice, type PriceTable, priceOf, registerPrices } from './prices.js'
export type { JudgePrompt } from './template.js'
