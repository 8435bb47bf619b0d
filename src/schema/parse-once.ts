/**
 * zod's parse options for a value parsed once: an options object, a request body, a response check.
 * zod compiles a parser per object schema (`new Function`) at its first parse; that pays off for a
 * schema parsed thousands of times in a process, not for one parsed once or twice. Those compiles
 * cost ~25 ms at the end of every test run in the embedded server (which lives for one run), ~10 ms
 * of every worker's describeEval, and ~50 ms in the main process (the client's response checks and
 * the reporter's first check of each suite's meta). Run item batches, the bulk path, are checked by hand
 * (server/http/run-item-batch.ts); dataset items keep compiled parsers in the worker (one per item).
 * A server's dataset-items body is parsed once too: 10,000 items take ~30 ms instead of ~16 once the
 * process has compiled, and the same ~90 ms on a first parse.
 */
export const PARSE_ONCE = { jitless: true } as const
