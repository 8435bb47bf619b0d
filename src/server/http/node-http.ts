/**
 * node:http, without an ESM import of it: such an import builds the module's ESM facade, whose
 * getters load Node's internal undici (about 30 ms of every embedded server's start-up).
 */
export function nodeHttp(): typeof import('node:http') {
  return process.getBuiltinModule('node:http')
}
