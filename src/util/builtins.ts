/**
 * Node built-ins that are costly to import as ES modules. `import { createHash } from 'node:crypto'`
 * builds a module namespace of all of crypto's exports, which runs its lazy getters (webcrypto,
 * subtle, …): 10–15 ms in every process that does it, every Vitest worker included (bench/README.md,
 * eighth round). `process.getBuiltinModule` hands back the module object, loading nothing more.
 */
export const nodeCrypto = process.getBuiltinModule('node:crypto')
export const nodeFsPromises = process.getBuiltinModule('node:fs/promises')
