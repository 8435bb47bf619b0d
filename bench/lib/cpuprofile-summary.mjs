// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by module/package.
// Usage: node bench/lib/cpuprofile-summary.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs'

const [file, topArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: node bench/lib/cpuprofile-summary.mjs <file.cpuprofile> [top]')
  process.exit(1)
}
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfUs = new Map()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0)

/** `node_modules/<pkg>` (scoped too), `node:internal`, or the path's last two segments. */
function moduleOf(url) {
  if (!url) return '(native/gc/idle)'
  const nm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (nm) return nm[1]
  if (url.startsWith('node:')) return 'node:internal'
  return url.split('/').slice(-2).join('/')
}

const byFunction = new Map()
const byModule = new Map()
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id)
  const fn = `${callFrame.functionName || '(anonymous)'} ${moduleOf(callFrame.url)}:${callFrame.lineNumber + 1}`
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us)
  const mod = callFrame.url ? moduleOf(callFrame.url) : callFrame.functionName || '(native)'
  byModule.set(mod, (byModule.get(mod) ?? 0) + us)
}
const print = (title, map) => {
  console.log(`\n${title}`)
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${(us / 1000).toFixed(0).padStart(7)} ms ${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${key}`,
    )
  }
}
console.log(`${file}: ${(totalUs / 1000).toFixed(0)} ms sampled`)
print('self time by module', byModule)
print('self time by function', byFunction)
