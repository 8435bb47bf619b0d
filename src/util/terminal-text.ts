/**
 * Text from a server, a model or a thrown error is untrusted: printed raw, an ESC/CSI/OSC sequence,
 * a BEL or a C1 control (U+009B is a one-character CSI) could clear the screen, set the window
 * title, forge output or, on some terminals, write to the clipboard. Everything that prints such
 * text goes through this module: control characters are shown escaped (`\u001b`, `\n`), never
 * emitted. Bidirectional overrides are escaped too, so text cannot visually reorder a line.
 */

/** C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates, line/paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_INLINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
/** The same, except newline and tab (for multi-line blocks the caller laid out itself). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function escapeChar(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** One value shown inline (a name, a message, an excerpt): every control character escaped, newlines included. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE_INLINE, escapeChar)
}

/** A block of lines: newlines and tabs kept, every other control character escaped. */
export function terminalBlock(text: string): string {
  return text.replace(UNSAFE_BLOCK, escapeChar)
}

/**
 * JSON for a terminal: `JSON.stringify` escapes C0 controls but emits DEL, C1 controls (U+009B)
 * and bidi characters raw. The result is the same JSON value, with those written as `\uXXXX`.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
