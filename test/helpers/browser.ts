/**
 * Real Chromium for dashboard tests: Debian's `chromium` driven by playwright-core through its
 * executable path (a browser is never downloaded). Without /usr/bin/chromium the browser tests are
 * skipped locally, and fail under CI=true (where .ci/run installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM_PATH)
export const requireChromium = process.env.CI === 'true'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Where screenshots go (test artifacts; git-ignored). */
export const ARTIFACTS_DIR =
  process.env.EVALGATE_TEST_ARTIFACTS ??
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results', 'dashboard')

export function chromiumSkipMessage(): string | undefined {
  if (hasChromium) return undefined
  if (requireChromium) throw new Error(`CI=true but ${CHROMIUM_PATH} is missing: install Debian's chromium`)
  return `dashboard browser tests skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium)`
}

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

/** Launches Chromium with a fresh profile directory (playwright passes it as --user-data-dir). */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'evalgate-chromium-'))
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1360, height: 900 },
    timeout: 60_000,
  })
  return {
    context,
    async close() {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
