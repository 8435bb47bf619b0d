import type { Child } from './dom.js'

/** What every page renders: document title, breadcrumbs, content. */
export interface Page {
  title: string
  crumbs: { label: string; href?: string }[]
  body: Child
}

/** Client-side navigation: pages change the URL here; main.ts re-renders on the event. */
export const NAVIGATE_EVENT = 'evalgate:navigate'

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  window.dispatchEvent(new CustomEvent(NAVIGATE_EVENT, { detail: { replace } }))
}
