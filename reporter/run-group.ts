import { nodeCrypto } from '../src/util/builtins.js'

const { randomUUID } = nodeCrypto

export interface RunGroup {
  id: string
  /** Where the id came from, for messages: `EVALGATE_RUN_GROUP`, `GITHUB_RUN_ID`, …, or `generated`. */
  source: string
}

/**
 * The run group of this `vitest` invocation: all its suites' runs, and every shard's, share it.
 * Explicit `EVALGATE_RUN_GROUP` wins; otherwise a CI build id that every shard of one build sees;
 * otherwise a fresh id (a local run is its own group).
 */
export function resolveRunGroup(env: NodeJS.ProcessEnv = process.env): RunGroup {
  const explicit = env.EVALGATE_RUN_GROUP?.trim()
  if (explicit) return { id: explicit, source: 'EVALGATE_RUN_GROUP' }
  if (env.GITHUB_RUN_ID) {
    return { id: `github-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`, source: 'GITHUB_RUN_ID' }
  }
  if (env.CI_PIPELINE_ID) return { id: `gitlab-${env.CI_PIPELINE_ID}`, source: 'CI_PIPELINE_ID' }
  if (env.BUILDKITE_BUILD_ID)
    return { id: `buildkite-${env.BUILDKITE_BUILD_ID}`, source: 'BUILDKITE_BUILD_ID' }
  if (env.CIRCLE_WORKFLOW_ID)
    return { id: `circleci-${env.CIRCLE_WORKFLOW_ID}`, source: 'CIRCLE_WORKFLOW_ID' }
  return { id: `local-${randomUUID()}`, source: 'generated' }
}

/** Watch mode: every rerun is a new run, so it gets its own group (`<base>#2`, `<base>#3`, …). */
export function rerunGroup(base: RunGroup, rerun: number): RunGroup {
  return rerun <= 1 ? base : { id: `${base.id}#${rerun}`, source: base.source }
}
