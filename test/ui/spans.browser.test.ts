/**
 * The item page's span tree in real Chromium: spans posted over OTLP/JSON to a real server show
 * under their run item as a tree, with offset/duration bars on one timeline and the GenAI
 * attributes; span names, status messages and attribute values from the traced program stay text.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/index.js'
import type { Run } from '../../src/schema/api.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import {
  ARTIFACTS_DIR,
  type Browser,
  chromiumSkipMessage,
  hasChromium,
  launchChromium,
} from '../helpers/browser.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { buildDashboard } from '../helpers/ui.js'

const skip = chromiumSkipMessage()
if (skip) console.warn(skip)

const TRACE = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'
const ITEM_SPAN = '1111111111111111'
const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">'
const HOSTILE_OUTPUT = '<script>window.__pwned=2</script>'
const T0 = 1_767_225_600_000_000_000n // 2026-01-01, in ns

const str = (v: string) => ({ stringValue: v })
const int = (v: number) => ({ intValue: String(v) })
function span(
  spanId: string,
  parent: string | null,
  name: string,
  startMs: number,
  endMs: number,
  extra = {},
) {
  return {
    traceId: TRACE,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    kind: 1,
    startTimeUnixNano: String(T0 + BigInt(startMs) * 1_000_000n),
    endTimeUnixNano: String(T0 + BigInt(endMs) * 1_000_000n),
    ...extra,
  }
}

describe.skipIf(!hasChromium && !process.env.CI)('span tree in Chromium', () => {
  let dir: string
  let server: RunningServer
  let browser: Browser
  let run: Run
  const dialogs: string[] = []
  const pageErrors: string[] = []

  beforeAll(async () => {
    const uiDir = await buildDashboard()
    dir = mkdtempSync(join(tmpdir(), 'evalgate-ui-spans-'))
    server = await startServer({ db: join(dir, 'evalgate.db'), dashboardDir: uiDir })
    const api = new EvalgateApi({ url: server.url })
    const created = await api.runs.createOrJoin({
      suite: suiteDef({ name: 'traced', dataset: { name: 'traced-data', version: 'v1', size: 2 } }),
      runGroup: 'g',
    })
    await api.runs.addItems(created.run.id, [
      itemResult(0, { traceId: TRACE, spanId: ITEM_SPAN }),
      itemResult(1), // no spans were ever sent for this one
    ])
    run = await api.runs.finalize(created.run.id)
    await api.close()

    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: str('agent-under-test') }] },
          scopeSpans: [
            {
              scope: { name: 'agent' },
              spans: [
                // sent out of order: the page sorts and nests them
                span('3333333333333333', '2222222222222222', 'execute_tool search', 300, 500, {
                  attributes: [{ key: 'gen_ai.tool.name', value: str('search') }],
                  status: { code: 2, message: HOSTILE_OUTPUT },
                }),
                span(ITEM_SPAN, null, 'eval traced item-0', 0, 1000),
                span('2222222222222222', ITEM_SPAN, HOSTILE_NAME, 100, 900, {
                  kind: 3,
                  attributes: [
                    { key: 'gen_ai.request.model', value: str('gpt-x') },
                    { key: 'gen_ai.response.model', value: str('gpt-x-2026') },
                    { key: 'gen_ai.usage.input_tokens', value: int(12) },
                    { key: 'gen_ai.usage.output_tokens', value: int(34) },
                    { key: 'gen_ai.completion', value: str(HOSTILE_OUTPUT) },
                  ],
                }),
              ],
            },
          ],
        },
      ],
    }
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(200)
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function open(path: string): Promise<Page> {
    const page = await browser.context.newPage()
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await page.goto(server.url + path)
    await page.locator('#app[data-ready]').waitFor({ state: 'attached' })
    return page
  }

  test('spans nest under the item with bars on one timeline and GenAI attributes; strings stay text', async () => {
    const page = await open(`/runs/${run.id}/items/1`)
    const rows = page.locator('table.spans tbody tr')
    expect(await rows.count()).toBe(3)
    const order = await rows.evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-span-id'), tr.getAttribute('data-depth')]),
    )
    expect(order).toEqual([
      [ITEM_SPAN, '0'],
      ['2222222222222222', '1'],
      ['3333333333333333', '2'],
    ])
    // offsets and durations on a 1000-unit timeline spanning the item's second
    const bars = await page
      .locator('table.spans rect.span-bar')
      .evaluateAll((rects) => rects.map((r) => [r.getAttribute('x'), r.getAttribute('width')]))
    expect(bars).toEqual([
      ['0', '1000'],
      ['100', '800'],
      ['300', '200'],
    ])
    expect(await page.locator('[data-spans-summary]').textContent()).toBe(
      '3 spans · 1 model call · tokens 12 / 34 · tools: search',
    )
    const llm = rows.nth(1)
    expect(await llm.locator('td.span-name .mono').textContent()).toBe(HOSTILE_NAME)
    expect(await llm.locator('[data-genai="model"]').textContent()).toBe('model gpt-x → gpt-x-2026')
    expect(await llm.locator('[data-genai="tokens"]').textContent()).toBe('tokens 12 / 34')
    expect(await llm.locator('td.num').textContent()).toBe('800 ms')
    const tool = rows.nth(2)
    expect(await tool.locator('[data-genai="tool"]').textContent()).toBe('tool search')
    expect(await tool.locator('.err').textContent()).toBe(`error: ${HOSTILE_OUTPUT}`)
    expect(await llm.locator('pre[aria-label="span attributes"]').textContent()).toContain(
      JSON.stringify(HOSTILE_OUTPUT).slice(1, -1).replace(/\\"/g, '"'),
    )
    expect(await page.locator('#app img, #app script').count()).toBe(0)
    expect(await page.evaluate('window.__pwned')).toBeUndefined()
    expect(dialogs).toEqual([])
    expect(pageErrors).toEqual([])
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'item-spans.png'), fullPage: true })
    await page.close()
  })

  test('an item without spans says how to send them', async () => {
    const page = await open(`/runs/${run.id}/items/2`)
    expect(await page.locator('table.spans').count()).toBe(0)
    expect(await page.locator('[data-empty="spans"]').textContent()).toContain('/v1/traces')
    await page.close()
  })
})
