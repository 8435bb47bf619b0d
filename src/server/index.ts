export {
  DEFAULT_SQLITE_PATH,
  defaultDbLocation,
  isPostgresUrl,
  openStore,
  type Store,
} from '../store/open.js'
export { type AppOptions, buildApp, DEFAULT_BODY_LIMIT } from './app.js'
export { isLoopbackHost } from './http/loopback.js'
export * from './jobs/index.js'
export { SCORE_ITEMS_KIND, type ServerScoring, type ServerScoringOptions } from './scoring/index.js'
export * from './service/index.js'
export { type RunningServer, type StartServerOptions, startServer } from './start.js'
