// ARCHITECTURE.md §3: imports point one way. The engine (core, dataset, evaluators, judges, gate)
// knows nothing of Vitest, SQL or the server; the server and the store never reach into the client,
// the reporter, the Vitest adapter, the CLI or the dashboard's sources. Type-only imports count too:
// they tie a module to the other side's shapes all the same.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'

const root = resolve(import.meta.dirname, '..', '..')
const src = join(root, 'src')

/** Every import/export specifier of every .ts file under `dir`, with the file it is in. */
function importsUnder(dir: string): { file: string; specifier: string; target: string }[] {
  const found: { file: string; specifier: string; target: string }[] = []
  for (const entry of readdirSync(join(src, dir), { recursive: true, withFileTypes: true })) {
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
      found.push({ file: relative(root, file), specifier, target })
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
