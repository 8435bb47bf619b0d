export { fmt } from './format.js'
export {
  computeSummary,
  evaluateGate,
  evaluateStar,
  finalStatus,
  percentile,
  type SummaryItem,
  type SummaryScore,
  type SummarySuite,
  withVerdict,
} from './summary.js'
export {
  decideVerdict,
  evaluationStatus,
  explainVerdict,
  explainVerdicts,
  starCheck,
  type VerdictRun,
  verdictPasses,
} from './verdict.js'
