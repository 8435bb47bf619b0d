/** Eval files: `faq.eval.ts`, `faq.eval.mjs`, `agent.eval.tsx`, … anywhere under the root (a Vitest `include` glob). */
export const EVAL_FILE_PATTERN = '**/*.eval.?(c|m)[jt]s?(x)'

/** The same rule as EVAL_FILE_PATTERN, for a path (the reporter decides with it, without a glob library). */
const EVAL_FILE_NAME = /(^|[\\/])[^\\/]+\.eval\.[cm]?[jt]sx?$/

export function isEvalFile(path: string): boolean {
  return EVAL_FILE_NAME.test(path)
}
