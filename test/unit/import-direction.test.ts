// ARCHITECTURE.md §3: imports point one way. The engine (core, dataset, evaluators, judges, gate)
// knows nothing of Vitest, SQL or the server; the server and the store never reach into the client,
// the reporter, the Vitest adapter, the CLI or the dashboard's sources. Type-only imports count too:
// they tie a module to the other side's shapes all the same.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'

const root = resolve(import.meta.dirname, '..', '..')
const src = join(root, 'src')

interface ImportEdge {
  file: string
  specifier: string
  target: string
  /** `import type` / `export type`: erased at build time, loads nothing. */
  typeOnly: boolean
}

/** Every import/export specifier of every .ts file under `dir` (in `base`, default src/), with the file it is in. */
function importsUnder(dir: string, base = src): ImportEdge[] {
  const found: ImportEdge[] = []
  for (const entry of readdirSync(join(base, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const file = join(entry.parentPath, entry.name)
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(
      /^(?:import|export)\b[^'"]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'/gm,
    )) {
      const specifier = (match[1] ?? match[2])!
      const target = specifier.startsWith('.')
        ? relative(root, resolve(entry.parentPath, specifier))
        : specifier
      found.push({
        file: relative(root, file),
        specifier,
        target,
        typeOnly: /^(import|export)\s+type\b/.test(match[0]),
      })
    }
  }
  return found
}

function violations(dirs: string[], forbidden: RegExp): string[] {
  return dirs
    .flatMap((dir) => importsUnder(dir))
    .filter(({ target }) => forbidden.test(target))
    .map(({ file, specifier }) => `${file} imports ${specifier}`)
}

describe('imports point one way', () => {
  test('the engine knows nothing of Vitest, SQL, the server, the client or the reporter', () => {
    const engine = ['core', 'dataset', 'evaluators', 'judges', 'gate']
    expect(importsUnder('core').length).toBeGreaterThan(10)
    expect(
      violations(
        engine,
        /^(src\/(vitest|store|server|client|cli|ui)\/|reporter\/|vitest($|\/)|kysely|better-sqlite3|pg$|fastify)/,
      ),
    ).toEqual([])
  })

  test('the server and the store reach neither the client, nor the reporter, nor the Vitest adapter', () => {
    expect(importsUnder('server').length).toBeGreaterThan(100)
    expect(violations(['server', 'store'], /^(src\/(client|vitest|cli)\/|reporter\/|vitest($|\/))/)).toEqual(
      [],
    )
    expect(violations(['store'], /^src\/server\//)).toEqual([])
  })
})

describe('built-ins that are costly as ES modules come through src/util/builtins.ts', () => {
  test('no module imports node:crypto or node:fs/promises with an import statement', () => {
    const edges = [...importsUnder(''), ...importsUnder('reporter', root)]
    expect(edges.length).toBeGreaterThan(500)
    const offenders = edges
      .filter(({ target, typeOnly }) => !typeOnly && /^node:(crypto|fs\/promises)$/.test(target))
      .map(({ file }) => file)
    expect(offenders).toEqual([])
  })
})
