/**
 * How a failed zod parse reads in evalgate's one-line messages: the first issue, its field as a
 * dotted path (`items.3.scores.0.score`) and its message. Every layer words the line its own way
 * (`invalid body: …`, ``field `…`: …``), but the field is always spelled like this.
 */

interface Issue {
  readonly path: readonly PropertyKey[]
  readonly message: string
}

/** Dotted path of an issue; '' for the value itself. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.')
}

/** The first issue of a failed parse: its dotted path ('' at the root) and message. */
export function firstIssue(error: { readonly issues: readonly Issue[] }): { path: string; message: string } {
  const issue = error.issues[0]
  return issue
    ? { path: issuePath(issue.path), message: issue.message }
    : { path: '', message: 'invalid value' }
}

/** `path: message`, or the message alone at the root. */
export function issueLine(error: { readonly issues: readonly Issue[] }): string {
  const { path, message } = firstIssue(error)
  return path ? `${path}: ${message}` : message
}
