import { describe, expect, it } from 'vitest'
import { onAbort } from '../../src/core/on-abort.js'

describe('onAbort: many subscribers behind one abort listener', () => {
  it('calls each subscriber once, in subscription order, when the signal aborts', () => {
    const controller = new AbortController()
    const calls: string[] = []
    onAbort(controller.signal, () => calls.push('a'))
    onAbort(controller.signal, () => calls.push('b'))
    controller.abort()
    controller.abort()
    expect(calls).toEqual(['a', 'b'])
  })

  it('does not call a subscriber that unsubscribed, before or during the abort', () => {
    const controller = new AbortController()
    const calls: string[] = []
    const offA = onAbort(controller.signal, () => calls.push('a'))
    let offC = () => {}
    onAbort(controller.signal, () => {
      calls.push('b')
      offC()
    })
    offC = onAbort(controller.signal, () => calls.push('c'))
    offA()
    controller.abort()
    expect(calls).toEqual(['b'])
  })

  it('keeps each signal to its own subscribers, and takes new subscribers after a dispatch', () => {
    const first = new AbortController()
    const second = new AbortController()
    const calls: string[] = []
    onAbort(first.signal, () => calls.push('first'))
    onAbort(second.signal, () => calls.push('second'))
    first.abort()
    expect(calls).toEqual(['first'])
    const off = onAbort(second.signal, () => calls.push('second again'))
    second.abort()
    off()
    expect(calls).toEqual(['first', 'second', 'second again'])
  })
})
