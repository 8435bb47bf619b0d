/** The key of `task.meta` under which describeEval records each item test's result (EvalMeta). */
export const EVAL_META_KEY = 'evalgate' as const
