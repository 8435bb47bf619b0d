import type { TestCase, Vitest } from 'vitest/node'
import type { ReplayStats } from '../replay/scope.js'

/** Key of the per-item replay counts in `task.meta`. */
export const REPLAY_META_KEY = 'evalgateReplay' as const

/**
 * Sums the replay counts each eval test carries in `meta.evalgateReplay` and prints one line at the
 * end of every run (watch reruns included), when any model call went through replay:
 * `evalgate replay: 2000 calls replayed, 0 recorded, 0 live · saved 240000 tokens ($0.0360)`.
 */
export class ReplaySummaryReporter {
  private vitest: Vitest | undefined
  private totals = zero()

  onInit(vitest: Vitest): void {
    this.vitest = vitest
  }

  onTestRunStart(): void {
    this.totals = zero()
  }

  onTestCaseResult(testCase: TestCase): void {
    const stats = (testCase.meta() as Record<string, unknown>)[REPLAY_META_KEY] as
      | Partial<ReplayStats>
      | undefined
    if (!stats || typeof stats !== 'object') return
    for (const key of Object.keys(this.totals) as (keyof ReplayStats)[]) {
      const value = stats[key]
      if (typeof value === 'number' && Number.isFinite(value)) this.totals[key] += value
    }
  }

  onTestRunEnd(): void {
    const line = replaySummaryLine(this.totals)
    if (line) this.vitest?.logger.log(line)
  }
}

export function replaySummaryLine(stats: ReplayStats): string | null {
  if (stats.replayed + stats.recorded + stats.live === 0) return null
  const saved =
    stats.replayed > 0
      ? ` · saved ${stats.tokensSaved} tokens${stats.costSavedUsd > 0 ? ` ($${stats.costSavedUsd.toFixed(4)})` : ''}`
      : ''
  return `evalgate replay: ${stats.replayed} calls replayed, ${stats.recorded} recorded, ${stats.live} live${saved}`
}

function zero(): ReplayStats {
  return { replayed: 0, recorded: 0, live: 0, tokensSaved: 0, costSavedUsd: 0 }
}

export function isReplaySummaryReporter(value: unknown): boolean {
  return value instanceof ReplaySummaryReporter
}
