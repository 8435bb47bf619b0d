// Checks, in a project that installed the packed evalgate, that every entry point exported for
// `require` loads in CommonJS and exports the same names as its ESM twin. Run from that project's
// directory (the packed-install check does): `node check-cjs-entries.mjs`.
// `evalgate` itself imports Vitest, which refuses `require()` with its own message: that entry only
// has to fail with that message (describeEval runs in Vitest's workers, which load ESM).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(join(process.cwd(), 'package.json'))
const pkg = JSON.parse(readFileSync(join(process.cwd(), 'node_modules', 'evalgate', 'package.json'), 'utf8'))
const exportNames = (module) =>
  Object.keys(module)
    .filter((name) => name !== 'default' && name !== '__esModule' && name !== 'module.exports')
    .sort()

const problems = []
let checked = 0
for (const [subpath, conditions] of Object.entries(pkg.exports)) {
  if (typeof conditions !== 'object' || !conditions.require) continue
  const specifier = subpath === '.' ? 'evalgate' : `evalgate/${subpath.slice(2)}`
  let cjs
  try {
    cjs = require(specifier)
  } catch (error) {
    if (subpath === '.' && /Vitest cannot be imported in a CommonJS module/.test(error.message)) {
      checked++
      continue
    }
    problems.push(`require('${specifier}') threw: ${error.message.split('\n')[0]}`)
    continue
  }
  const esm = await import(specifier)
  const missing = exportNames(esm).filter((name) => !(name in cjs))
  const extra = exportNames(cjs).filter((name) => !(name in esm))
  if (missing.length > 0 || extra.length > 0) {
    problems.push(
      `require('${specifier}') and import('${specifier}') differ: missing in CommonJS [${missing.join(', ')}], only in CommonJS [${extra.join(', ')}]`,
    )
  }
  checked++
}
if (checked === 0) problems.push('no entry point is exported for require')

// And they work: a server started through `require`, and the client `require` gives, talking to it.
if (problems.length === 0) {
  const dir = mkdtempSync(join(tmpdir(), 'evalgate-cjs-'))
  try {
    const { startServer } = require('evalgate/server')
    const { EvalgateApi } = require('evalgate/client')
    const server = await startServer({ db: join(dir, 'cjs.db'), port: 0, logger: false })
    try {
      const api = new EvalgateApi({ url: server.url })
      const health = await api.health()
      if (health?.ok !== true || health.dialect !== 'sqlite')
        problems.push(`the CommonJS server answered health with ${JSON.stringify(health)}`)
      await api.close()
    } finally {
      await server.close()
    }
  } catch (error) {
    problems.push(`a server and client from require() failed: ${error.message.split('\n')[0]}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
if (problems.length > 0) {
  console.error(`CommonJS entry points:\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(
  `CommonJS entry points: ${checked} load and match their ESM exports; a server and client from require() talk`,
)
