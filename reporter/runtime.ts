/**
 * What the reporter needs once a run has eval results to upload: the client and its connection to
 * a server (embedded or not), zod's schemas, the upload session. Loaded by the reporter when a run
 * first needs it (reporter.ts `loadRuntime`), not when Vitest imports the plugin with the config:
 * that import is on the path of every `vitest run`, eval files or not, and this is most of it.
 */
export { connect } from '../src/client/connect.js'
export { Outbox } from '../src/client/outbox.js'
export { parseGateOption } from './gate-option.js'
export { EvalMetaParser } from './meta-parser.js'
export { UploadSession } from './session.js'
