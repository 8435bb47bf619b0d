/**
 * zod's parse options for a value parsed once: an options object, a request body, a response check.
 * Classic zod compiles a parser per object schema (`new Function`) at its first parse; that pays off
 * for a schema parsed thousands of times in a process, not for one parsed once or twice. Those
 * compiles cost ~25 ms at the end of every test run in the embedded server (which lives for one
 * run), ~10 ms of every worker's describeEval, and ~50 ms in the main process, before the schemas on
 * those paths moved to zod/mini, which never compiles (src/schema/zod-locale.ts): the option now
 * matters for the classic schemas (Gradient, Netra) and keeps every call site the same. Run item
 * batches, the bulk path, are checked by hand (server/http/run-item-batch.ts), and so are valid
 * dataset items in the worker (dataset/item-schema.ts).
 */
export const PARSE_ONCE = { jitless: true } as const
