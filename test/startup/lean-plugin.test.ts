// The plugin's import is on the path of every `vitest run` (Vitest loads it with the config, before
// anything starts), eval files or not. It loads neither zod, nor the client, nor the reporter's
// upload machinery: the reporter loads those (reporter/runtime.ts) when a run first needs them.
import { join } from 'node:path'
import { build, type Metafile } from 'esbuild'
import { describe, expect, test } from 'vitest'
import type { Vitest } from 'vitest/node'
import { EvalgateReporter } from '../../reporter/reporter.js'

const root = join(import.meta.dirname, '..', '..')

/** Every module the entry loads at import: static imports only, not `import()`. */
async function staticGraph(entry: string): Promise<{ loaded: Set<string>; lazy: Set<string> }> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    external: ['vitest', 'vitest/*', 'vite', 'better-sqlite3', 'pg'],
    logLevel: 'silent',
  })
  const inputs: Metafile['inputs'] = result.metafile.inputs
  const loaded = new Set<string>([entry])
  const lazy = new Set<string>()
  const queue = [entry]
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const edge of inputs[file]?.imports ?? []) {
      if (edge.external) continue
      if (edge.kind === 'dynamic-import') lazy.add(edge.path)
      else if (!loaded.has(edge.path)) {
        loaded.add(edge.path)
        queue.push(edge.path)
      }
    }
  }
  return { loaded, lazy }
}

describe('the plugin loads light', () => {
  test('its import graph has no zod, no client, no schemas; the reporter imports its runtime lazily', async () => {
    const { loaded, lazy } = await staticGraph('src/vitest/plugin.ts')
    const heavy = [...loaded].filter((file) =>
      /node_modules\/zod\/|src\/client\/(connect|api|http|embedded|outbox)\.ts|src\/schema\/(meta|api|gate)\.ts|reporter\/(session|meta-parser)\.ts/.test(
        file,
      ),
    )
    expect(heavy).toEqual([])
    expect(loaded).toContain('reporter/reporter.ts')
    expect(lazy).toContain('reporter/runtime.ts')
    // …and the runtime is where they are.
    const runtime = await staticGraph('reporter/runtime.ts')
    expect([...runtime.loaded].some((file) => file.includes('node_modules/zod/'))).toBe(true)
    expect(runtime.loaded).toContain('src/client/connect.ts')
  })

  test('a bad gate option still stops Vitest at start: onInit rejects naming the field', async () => {
    const vitest = {
      config: { root, watch: false, shard: null, ui: false, reporters: [] },
      onClose() {},
      logger: { log() {} },
    } as unknown as Vitest
    const bad = new EvalgateReporter({ gate: { passRate: 2 } as never })
    await expect(bad.onInit(vitest)).rejects.toThrow(/invalid gate option at `gate\.passRate`/)
    // Without a gate option, onInit loads nothing and does not make Vitest wait.
    expect(new EvalgateReporter().onInit(vitest)).toBeUndefined()
  })
})
