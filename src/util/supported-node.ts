/**
 * The oldest Node.js evalgate supports, the same as `engines.node` in package.json (a test keeps the
 * two equal). Older Nodes fail inside native modules with a stack trace or a crash; evalgate says so
 * in one line first.
 */
export const MIN_NODE = { major: 22, minor: 12 } as const

/** Why this Node cannot run evalgate, or undefined when it can. */
export function unsupportedNodeMessage(version: string = process.versions.node): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  if (major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor)) return undefined
  return `evalgate needs Node.js >= ${MIN_NODE.major}.${MIN_NODE.minor} (this is Node.js ${version}); install Node 22, 24 or newer`
}

/** Throws an error with only that line (no stack) on an unsupported Node. */
export function assertSupportedNode(): void {
  const message = unsupportedNodeMessage()
  if (message === undefined) return
  const error = new Error(message)
  error.stack = message
  throw error
}
