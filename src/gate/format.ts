/** Numbers in gate messages: 2 decimals for rates and scores, more only where 2 would hide the value. */
export function fmt(n: number | null): string {
  if (n === null) return 'n/a'
  if (Number.isInteger(n)) return String(n)
  const abs = Math.abs(n)
  if (abs >= 100) return n.toFixed(1)
  if (abs >= 1) return n.toFixed(3).replace(/0+$/, '').replace(/\.$/, '')
  if (abs >= 0.01) return n.toFixed(2)
  return n.toPrecision(2)
}
