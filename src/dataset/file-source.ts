import { isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeFsPromises } from '../util/builtins.js'
import { DatasetError } from './errors.js'

const { readFile } = nodeFsPromises

/** A dataset file: absolute path plus the path shown in messages (relative to cwd when inside it). */
export interface DatasetFile {
  path: string
  display: string
}

/**
 * Resolves a path or `file:` URL. Relative paths resolve against the current working directory;
 * `new URL('./faq.jsonl', import.meta.url)` is the robust way to point next to the eval file.
 */
export function resolveDatasetFile(name: string, pathOrFileUrl: unknown): DatasetFile {
  let path: string
  if (pathOrFileUrl instanceof URL) {
    if (pathOrFileUrl.protocol !== 'file:') {
      throw new DatasetError(
        name,
        `dataset "${name}": only file: URLs can be read, got ${pathOrFileUrl.href}`,
      )
    }
    path = fileURLToPath(pathOrFileUrl)
  } else if (typeof pathOrFileUrl === 'string' && pathOrFileUrl.length > 0) {
    path = pathOrFileUrl.startsWith('file:') ? fileURLToPath(pathOrFileUrl) : resolve(pathOrFileUrl)
  } else {
    throw new DatasetError(
      name,
      `dataset "${name}": the file must be a path string or a file: URL, got ${describe(pathOrFileUrl)}`,
    )
  }
  const fromCwd = relative(process.cwd(), path)
  const display = fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path
  return { path, display }
}

/** Reads a dataset file as UTF-8 text (without a leading BOM); a read failure is a DatasetError. */
export async function readDatasetFile(name: string, file: DatasetFile): Promise<string> {
  try {
    const text = await readFile(file.path, 'utf8')
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'no such file (ENOENT)'
        : code === 'EISDIR'
          ? 'it is a directory (EISDIR)'
          : (code ?? (error as Error).message)
    throw new DatasetError(name, `dataset "${name}": cannot read ${file.display}: ${reason}`, {
      cause: error,
    })
  }
}

function describe(value: unknown): string {
  return value === '' ? 'an empty string' : value === null ? 'null' : typeof value
}
