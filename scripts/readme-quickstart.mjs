// Writes the README's quick start into a project directory, verbatim: the ```ts blocks that begin
// with `// vitest.config.ts` and `// evals/faq.eval.ts`, and the ```jsonl block as evals/faq.jsonl.
// Used by scripts/packed-install-check.sh, so the README cannot drift from what is tested.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const target = process.argv[2]
if (!target) throw new Error('usage: node scripts/readme-quickstart.mjs <project-dir>')
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const quickStart = readme.slice(
  readme.indexOf('## Quick start'),
  readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
)
const blocks = [...quickStart.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({ lang, body }))

const install = blocks.find((b) => b.lang === 'sh')?.body.trim()
if (install !== 'npm install --save-dev evalgate vitest')
  throw new Error(`README install line changed: ${install}`)
const files = {
  'vitest.config.ts': blocks.find((b) => b.lang === 'ts' && b.body.startsWith('// vitest.config.ts\n')),
  'evals/faq.eval.ts': blocks.find((b) => b.lang === 'ts' && b.body.startsWith('// evals/faq.eval.ts\n')),
  'evals/faq.jsonl': blocks.find((b) => b.lang === 'jsonl'),
}
for (const [path, block] of Object.entries(files)) {
  if (!block) throw new Error(`README quick start has no block for ${path}`)
  mkdirSync(dirname(join(target, path)), { recursive: true })
  writeFileSync(join(target, path), block.body)
}
console.log(`README quick start written to ${target}: ${Object.keys(files).join(', ')}`)
