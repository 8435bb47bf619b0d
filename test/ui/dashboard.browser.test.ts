/**
 * The dashboard in real Chromium against a real server (SQLite) seeded through the real client:
 * pages load with uploaded runs, filters and back/forward work, compare lists a known regression,
 * hostile model outputs stay text, and `evalgate ui` opens the latest run.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/index.js'
import type { Run } from '../../src/schema/api.js'
import type { ItemResultInput, SuiteDefInput } from '../../src/schema/meta.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import {
  ARTIFACTS_DIR,
  type Browser,
  chromiumSkipMessage,
  hasChromium,
  launchChromium,
} from '../helpers/browser.js'
import { buildCli, runCli } from '../helpers/cli.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { buildDashboard } from '../helpers/ui.js'

const skip = chromiumSkipMessage()
if (skip) console.warn(skip)

const XSS_INPUT = '<img src=x onerror=alert(1)>'
const XSS_OUTPUT = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2;alert(2)">'
const XSS_REASON = '<b>bold</b><svg onload=alert(3)>'

function items(
  scores: number[],
  overrides: Record<number, Partial<ItemResultInput>> = {},
): ItemResultInput[] {
  return scores.map((score, i) => itemResult(i, overrides[i] ?? {}, score))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!hasChromium && !process.env.CI)('dashboard in Chromium', () => {
  let dir: string
  let uiDir: string
  let server: RunningServer
  let browser: Browser
  let base: Run
  let head: Run
  let variant: Run
  let chat: Run
  const dialogs: string[] = []
  const pageErrors: string[] = []

  async function seed(api: EvalgateApi, suite: SuiteDefInput, group: string, list: ItemResultInput[]) {
    const { run } = await api.runs.createOrJoin({ suite, runGroup: group, name: `${suite.name} @ ${group}` })
    await api.runs.addItems(run.id, list)
    const done = await api.runs.finalize(run.id)
    await sleep(5) // distinct createdAt: "previous run" is by time
    return done
  }

  beforeAll(async () => {
    uiDir = await buildDashboard()
    dir = mkdtempSync(join(tmpdir(), 'evalgate-ui-browser-'))
    server = await startServer({ db: join(dir, 'evalgate.db'), dashboardDir: uiDir })
    const api = new EvalgateApi({ url: server.url })
    const suite = suiteDef({
      name: 'faq',
      dataset: { name: 'faq-data', version: 'v1hash', size: 6 },
      star: { metric: 'accuracy', successThreshold: 0.7 },
      gate: { passRate: 0.8 },
    })
    await seed(api, suite, 'g-0', items([0.6, 0.8, 0.7, 0.2, 0.9, 0.9]))
    base = await seed(api, suite, 'g-1', items([0.9, 0.9, 0.9, 0.2, 0.9, 0.9]))
    // head: item-1 regresses, item-3 is fixed, item-2 carries hostile strings
    const hostile: Partial<ItemResultInput> = {
      input: { question: XSS_INPUT },
      output: XSS_OUTPUT,
    }
    const headItems = items([0.9, 0.1, 0.95, 0.8, 0.9, 0.9], { 2: hostile })
    headItems[2]!.scores[0]!.reason = XSS_REASON
    head = await seed(api, suite, 'g-2', headItems)
    variant = await seed(
      api,
      { ...suite, name: 'faq [mini]' },
      'g-2',
      items([0.9, 0.9, 0.3, 0.8, 0.2, 0.9], { 2: hostile }),
    )
    // a multi-turn item with tool calls
    chat = await seed(
      api,
      suiteDef({ name: 'support chat', dataset: { name: 'chat', version: 'c1', size: 1 } }),
      'g-3',
      [
        itemResult(0, {
          input: [
            { role: 'system', content: 'You are a support agent.' },
            { role: 'user', content: 'Where is order 42? <i>now</i>' },
          ],
          output: { role: 'assistant', content: 'It shipped yesterday.' },
          toolCalls: [{ name: 'lookupOrder', arguments: { id: 42 }, result: { status: 'shipped' } }],
        }),
      ],
    )
    await api.close()
    browser = await launchChromium()
    browser.context.on('page', (p) => watch(p))
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const watched = new WeakSet<Page>()
  function watch(page: Page) {
    watched.add(page)
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    page.on('pageerror', (e) => pageErrors.push(e.message))
  }

  async function open(path: string): Promise<Page> {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage())
    if (!watched.has(page)) watch(page)
    await page.goto(path.startsWith('http') ? path : server.url + path)
    await page.locator('#app[data-ready]').waitFor({ state: 'attached' })
    return page
  }

  /** Waits for the render that follows a navigation (data-ready counts renders). */
  async function settled(page: Page, before: string | null) {
    const previous = before === null ? '' : `:not([data-ready="${before}"])`
    await page.locator(`#app[data-ready]${previous}:not([aria-busy])`).waitFor({ state: 'attached' })
  }

  async function click(page: Page, locator: ReturnType<Page['locator']>) {
    const before = await page.locator('#app').getAttribute('data-ready')
    await locator.click()
    await settled(page, before)
  }

  async function noInjection(page: Page) {
    expect(await page.locator('#app img, #app script, #app iframe, #app b').count()).toBe(0)
    expect(await page.locator('#app svg[onload]').count()).toBe(0)
    expect(await page.evaluate('window.__pwned')).toBeUndefined()
    expect(dialogs).toEqual([])
  }

  test('suites page lists every suite with its verdict and trend', async () => {
    const page = await open('/')
    const rows = page.locator('table.suites tbody tr')
    await expect.poll(() => rows.count()).toBe(3)
    const faq = rows.filter({ has: page.getByRole('link', { name: 'faq', exact: true }) })
    await expect.poll(() => faq.locator('[data-verdict]').textContent()).toBe('PASSED')
    expect(await faq.locator('svg.spark polyline').count()).toBe(1)
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'suites.png'), fullPage: true })
  })

  test('run page: verdict, gate checks, metrics, every item; hostile strings are text', async () => {
    const page = await open(head.url)
    expect(head.url).toBe(`${server.url}/runs/${head.id}`)
    expect(await page.locator('.verdict [data-verdict]').getAttribute('data-verdict')).toBe(
      head.summary.passStatus ? 'passed' : 'failed',
    )
    const gate = page.locator('table.gate tbody tr')
    expect(await gate.count()).toBe(head.summary.gate!.checks.length)
    await expect.poll(() => gate.first().textContent()).toContain('passRate')
    const metrics = page.locator('table.metrics tbody tr')
    expect(await metrics.count()).toBe(2)
    expect(await metrics.first().textContent()).toContain('accuracy')
    expect(await page.locator('table.items tbody tr').count()).toBe(6)
    // hostile input, output and reason are shown verbatim as text
    const row = page.locator('table.items tbody tr').nth(2)
    expect(await row.locator('[data-field="input"]').textContent()).toContain(XSS_INPUT)
    expect(await row.locator('[data-field="output"]').textContent()).toBe(XSS_OUTPUT)
    expect(await row.locator('.reason').first().textContent()).toBe(XSS_REASON)
    await noInjection(page)
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'run.png'), fullPage: true })
  })

  test('filter to failing items, open one, back keeps the filter', async () => {
    const page = await open(head.url)
    await click(page, page.locator('a[data-filter="failed"]'))
    expect(new URL(page.url()).searchParams.get('status')).toBe('failed')
    const rows = page.locator('table.items tbody tr')
    expect(await rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain('item-1')
    await click(page, rows.first().locator('a.item-link'))
    expect(new URL(page.url()).pathname).toBe(`/runs/${head.id}/items/2`)
    expect(await page.locator('[data-page="item"] h1').textContent()).toContain('item-1')
    expect(await page.locator('table.scores tbody tr').count()).toBe(2)
    expect(await page.locator('pre[aria-label="output"]').textContent()).toBe('answer 1')
    // its history across the suite's runs, newest first: fails now, passed in both earlier runs
    const history = page.locator('table.history tbody tr')
    expect(await history.count()).toBe(3)
    expect(await history.nth(0).textContent()).toContain('(this run)')
    expect(await history.nth(0).locator('.mark').textContent()).toContain('fail')
    expect(await history.nth(1).locator('.mark').textContent()).toContain('pass')
    const before = await page.locator('#app').getAttribute('data-ready')
    await page.goBack()
    await settled(page, before)
    expect(new URL(page.url()).searchParams.get('status')).toBe('failed')
    expect(await page.locator('table.items tbody tr').count()).toBe(1)
  })

  test('item page of the hostile item renders every string as text', async () => {
    const page = await open(`/runs/${head.id}/items/3`)
    expect(await page.locator('pre[aria-label="output"]').textContent()).toBe(XSS_OUTPUT)
    expect(await page.locator('pre[aria-label="input"]').textContent()).toContain(XSS_INPUT)
    expect(await page.locator('table.scores').textContent()).toContain(XSS_REASON)
    await noInjection(page)
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'item.png'), fullPage: true })
  })

  test('compare with the previous run lists the regression and the fix, item by item', async () => {
    const page = await open(head.url)
    await click(page, page.locator('a[data-action="compare"]'))
    expect(new URL(page.url()).pathname).toBe(`/runs/${head.id}/compare/${base.id}`)
    const rows = page.locator('table.compare-items tbody tr')
    expect(await rows.count()).toBe(3) // regressed item-1, improved item-3 and item-2 (score up)
    expect(await rows.nth(0).locator('[data-change]').textContent()).toBe('regressed')
    expect(await rows.nth(0).textContent()).toContain('item-1')
    expect(await page.locator('[data-change="improved"]').count()).toBe(2)
    const fixed = rows.filter({ hasText: 'item-3' })
    expect(await fixed.locator('[data-change]').textContent()).toBe('improved')
    expect(await page.locator('[data-count="regressed"]').textContent()).toBe('1 regressed')
    expect(await page.locator('table.metric-deltas tbody tr').first().textContent()).toContain('accuracy')
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'compare.png'), fullPage: true })
    // through to the regressed item of the head run
    await click(page, rows.nth(0).getByRole('link', { name: 'item-1' }))
    expect(await page.locator('[data-page="item"] h1').textContent()).toContain('item-1')
    expect(await page.locator('h1 .mark').textContent()).toContain('fail')
  })

  test('suite page: trend of pass rate and star metric across runs', async () => {
    const page = await open(`/suites/${head.suiteId}`)
    expect(await page.locator('table.runs tbody tr').count()).toBe(3)
    expect(await page.locator('svg.trend polyline').count()).toBe(2)
    expect(await page.locator('svg.trend circle').count()).toBe(6)
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'suite.png'), fullPage: true })
  })

  test('variants of one run group side by side', async () => {
    const page = await open(head.url)
    await click(page, page.getByRole('link', { name: /Variants in this run group/ }))
    expect(new URL(page.url()).pathname).toBe('/groups/g-2')
    const headCells = page.locator('table.variants thead th')
    expect(await headCells.allTextContents()).toEqual(['item', 'faq', 'faq [mini]'])
    expect(await page.locator('table.variants-summary thead th').allTextContents()).toEqual([
      '',
      'faq',
      'faq [mini]',
    ])
    expect(await page.locator('table.variants tbody tr').count()).toBe(6)
    await click(page, page.getByRole('link', { name: 'only items where the runs differ' }))
    // item-1 fails only in faq, item-2 and item-4 only in faq [mini]
    const differing = await page.locator('table.variants tbody tr td:first-child .mono').allTextContents()
    expect(differing).toEqual(['item-1', 'item-2', 'item-4'])
    await noInjection(page)
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'variants.png'), fullPage: true })
    expect(variant.runGroup).toBe('g-2')
  })

  test('conversations as chat bubbles, tool calls listed', async () => {
    const page = await open(`/runs/${chat.id}/items/1`)
    const bubbles = page.locator('[aria-label="input"] .bubble')
    expect(await bubbles.count()).toBe(2)
    expect(await bubbles.nth(1).locator('.role').textContent()).toBe('user')
    expect(await bubbles.nth(1).locator('pre').textContent()).toBe('Where is order 42? <i>now</i>')
    expect(await page.locator('#app i').count()).toBe(0)
    const tools = page.locator('section', { hasText: 'Tool calls' }).locator('tbody tr')
    expect(await tools.count()).toBe(1)
    expect(await tools.first().textContent()).toContain('lookupOrder')
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'chat-item.png'), fullPage: true })
  })

  test('with --require-auth the dashboard asks for an API key and then shows that project', async () => {
    const secured = await startServer({ db: join(dir, 'secured.db'), dashboardDir: uiDir, requireAuth: true })
    try {
      const project = await secured.services.projects.create('team-a')
      const { key } = await secured.services.projects.createKey(project.id)
      const api = new EvalgateApi({ url: secured.url, apiKey: key })
      await seed(api, suiteDef({ name: 'secured suite' }), 'g-s', items([0.9]))
      await api.close()
      const page = await open(`${secured.url}/`)
      expect(await page.locator('form.keyform h1').textContent()).toBe('This server requires an API key')
      await page.locator('form.keyform input').fill('wrong-key')
      await click(page, page.locator('form.keyform button'))
      expect(await page.locator('form.keyform p').textContent()).toBe('invalid or revoked API key')
      await page.locator('form.keyform input').fill(key)
      await click(page, page.locator('form.keyform button'))
      expect(await page.locator('table.suites').textContent()).toContain('secured suite')
      await page.reload()
      await page.locator('table.suites').waitFor()
    } finally {
      await secured.close()
    }
  })

  test('unknown runs and malformed URLs show a not-found page', async () => {
    for (const path of ['/runs/does-not-exist', '/runs/x/items/abc', '/nothing/here', '/runs/%E0%A4%A']) {
      const page = await open(path)
      expect(await page.locator('[data-page="not-found"] h1').textContent(), path).toBe('Not found')
    }
    expect(pageErrors).toEqual([])
  })

  describe('evalgate ui', () => {
    let cli: string
    beforeAll(async () => {
      cli = await buildCli()
    })

    function startUi(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
      const child = spawn(process.execPath, [cli, 'ui', '--port', '0', ...args], {
        cwd: dir,
        env: { ...process.env, CI: 'true', EVALGATE_UI_DIR: uiDir },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString()
      })
      return new Promise((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /evalgate dashboard: (\S+)/.exec(out)
          if (m) resolve({ child, url: m[1]! })
        })
        child.once('exit', (code) => reject(new Error(`evalgate ui exited (${code}): ${err}${out}`)))
      })
    }

    async function stop(child: ChildProcessWithoutNullStreams) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }

    test('opens the local database and prints the latest run page, which loads', async () => {
      const { child, url } = await startUi(['--db', join(dir, 'evalgate.db')])
      try {
        expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/runs/${chat.id}$`))
        const page = await open(url)
        expect(await page.locator('[data-page="run"] h1').textContent()).toContain('support chat')
      } finally {
        await stop(child)
      }
      const chosen = await startUi(['--db', join(dir, 'evalgate.db'), '--run', base.id])
      try {
        expect(chosen.url.endsWith(`/runs/${base.id}`)).toBe(true)
      } finally {
        await stop(chosen.child)
      }
    })

    test('a database that cannot be opened: one line naming the path and why', async () => {
      const missing = await runCli(cli, ['ui', '--db', join(dir, 'none.db')], { CI: 'true' }, dir)
      expect(missing.code).toBe(1)
      expect(missing.stderr).toBe(
        `evalgate ui: no database at ${join(dir, 'none.db')}: nothing has been stored here yet (run your evals first, or pass --db)\n`,
      )
      const junk = join(dir, 'junk.db')
      writeFileSync(junk, 'this is not a database, just text '.repeat(200))
      const bad = await runCli(cli, ['ui', '--db', junk, '--port', '0'], { CI: 'true' }, dir)
      expect(bad.code).toBe(1)
      expect(bad.stderr.trim().split('\n')).toHaveLength(1)
      expect(bad.stderr).toContain(`evalgate ui: cannot open ${junk}: `)
      expect(bad.stderr).toMatch(/not a database/)
      const noRun = await runCli(
        cli,
        ['ui', '--db', join(dir, 'evalgate.db'), '--port', '0', '--run', 'nope'],
        { CI: 'true' },
        dir,
      )
      expect(noRun.code).toBe(1)
      expect(noRun.stderr).toContain('evalgate ui: no run "nope"')
    })
  })
})
