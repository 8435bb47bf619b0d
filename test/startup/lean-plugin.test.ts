// The plugin's import is on the path of every `vitest run` (Vitest loads it with the config, before
// anything starts), eval files or not. It loads neither zod, nor the client, nor the reporter's
// upload machinery: the reporter loads those (reporter/runtime.ts) when a run first needs them.
// A test worker's import of evalgate is on the path of every eval file (and every watch rerun), and
// the reporter's runtime and the embedded server's start on the path of every run that uploads: the
// schemas they load are written with zod/mini, and classic zod stays out of them.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build, type Metafile } from 'esbuild'
import { describe, expect, test } from 'vitest'
import type { Vitest } from 'vitest/node'
import { EvalgateReporter } from '../../reporter/reporter.js'

const root = join(import.meta.dirname, '..', '..')
const run = promisify(execFile)

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

describe('zod/mini where a run starts; classic zod only behind Fastify', () => {
  test('the worker, the reporter runtime and the server start reach no classic zod', async () => {
    const zodIn = async (entry: string) =>
      [...(await staticGraph(entry)).loaded].filter((file) => file.includes('node_modules/zod/'))
    const classic = (files: string[]) =>
      files.filter((file) => !/zod\/(v4\/)?(core|mini|locales)\//.test(file))
    const worker = await zodIn('src/index.ts')
    expect(worker.some((file) => file.includes('/v4/mini/'))).toBe(true)
    expect(classic(worker)).toEqual([])
    expect(classic(await zodIn('src/judges/index.ts'))).toEqual([])
    // The main process and the embedded server's thread, up to the first upload: classic zod loads
    // only with Fastify's routes (the Gradient and Netra APIs, OTLP, agents), for other clients.
    expect(classic(await zodIn('reporter/runtime.ts'))).toEqual([])
    expect(classic(await zodIn('src/server/start.ts'))).toEqual([])
  })

  test('zod/mini schemas speak with the English messages classic zod sets, with no classic zod loaded', async () => {
    // Bundled and run in a process of its own: in this one, other imports may have loaded classic zod,
    // which sets the messages itself.
    const dir = mkdtempSync(join(tmpdir(), 'evalgate-mini-'))
    try {
      const file = join(dir, 'check.mjs')
      await build({
        stdin: {
          contents: `import { DescribeEvalOptionsSchema } from './src/vitest/options.ts'
            const parsed = DescribeEvalOptionsSchema.safeParse({ gate: { maxCostUsd: -1 } })
            console.log(JSON.stringify(parsed.error.issues[0].message))`,
          resolveDir: root,
          loader: 'ts',
        },
        bundle: true,
        outfile: file,
        platform: 'node',
        format: 'esm',
        logLevel: 'silent',
      })
      const { stdout } = await run(process.execPath, [file])
      expect(JSON.parse(stdout)).toBe('Too small: expected number to be >=0')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
