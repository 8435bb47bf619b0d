/**
 * The only way the dashboard builds DOM: elements via createElement, every string via a text node
 * or an attribute value. No innerHTML anywhere, so model outputs and user strings stay text.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[]
type Handler = (ev: Event) => void
export type Attrs = Record<string, string | number | boolean | null | undefined | Handler>

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c)
    return
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)))
}

function setAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, '').toLowerCase(), value)
      continue
    }
    if (name === 'href' && !String(value).startsWith('/')) {
      // hrefs are built from our own paths; anything else (javascript:, data:) is a bug
      throw new Error(`refusing non-local href ${JSON.stringify(value)}`)
    }
    el.setAttribute(name, value === true ? '' : String(value))
  }
}

/** Creates an HTML element with attributes, listeners (`onclick`…) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  setAttrs(el, attrs)
  for (const c of children) append(el, c)
  return el
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** Creates an SVG element (charts). */
export function svg(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement
  setAttrs(el, attrs)
  for (const c of children) append(el, c)
  return el
}

/** Replaces the children of `el`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  for (const c of children) append(el, c)
}
