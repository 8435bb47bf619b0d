import './style.css'
import { ApiError, setApiKey } from './api.js'
import { h, mount } from './dom.js'
import { NAVIGATE_EVENT, navigate, type Page } from './nav.js'
import { comparePage } from './pages/compare.js'
import { groupPage } from './pages/group.js'
import { homePage } from './pages/home.js'
import { itemPage } from './pages/item.js'
import { runPage } from './pages/run.js'
import { suitePage } from './pages/suite.js'
import { match, type Route } from './router.js'

const app = document.getElementById('app')!
const crumbs = document.getElementById('crumbs')!
let renderSeq = 0

function notFound(message: string): Page {
  return {
    title: 'Not found',
    crumbs: [{ label: 'Not found' }],
    body: h(
      'div',
      { class: 'notfound', 'data-page': 'not-found' },
      h('h1', null, 'Not found'),
      h('p', null, message),
      h('p', null, h('a', { href: '/' }, 'All suites and runs')),
    ),
  }
}

function keyForm(message: string): Page {
  const input = h('input', { type: 'password', name: 'key', autocomplete: 'off', placeholder: 'API key' })
  return {
    title: 'API key required',
    crumbs: [{ label: 'Sign in' }],
    body: h(
      'form',
      {
        class: 'keyform',
        onsubmit: (ev: Event) => {
          ev.preventDefault()
          setApiKey(input.value.trim() || null)
          void render()
        },
      },
      h('h1', null, 'This server requires an API key'),
      h('p', { class: 'muted' }, message),
      input,
      h('button', { type: 'submit' }, 'Open'),
    ),
  }
}

async function pageFor(route: Route): Promise<Page> {
  switch (route.page) {
    case 'home':
      return homePage(route)
    case 'suite':
      return suitePage(route)
    case 'run':
      return runPage(route)
    case 'item':
    case 'itemByKey':
      return itemPage(route)
    case 'compare':
      return comparePage(route)
    case 'group':
      return groupPage(route)
    default:
      return notFound(`There is no page at ${location.pathname}.`)
  }
}

async function render(): Promise<void> {
  const seq = ++renderSeq
  const route = match(location.pathname, location.search)
  app.setAttribute('aria-busy', 'true')
  let page: Page
  try {
    page = await pageFor(route)
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) page = notFound(err.message)
    else if (err instanceof ApiError && err.status === 401) page = keyForm(err.message)
    else {
      page = {
        title: 'Error',
        crumbs: [{ label: 'Error' }],
        body: h(
          'div',
          { class: 'notfound', 'data-page': 'error' },
          h('h1', null, 'Could not load this page'),
          h('p', null, err instanceof Error ? err.message : String(err)),
        ),
      }
    }
  }
  if (seq !== renderSeq) return // a later navigation won
  document.title = `${page.title} · evalgate`
  mount(
    crumbs,
    page.crumbs.map((c, i) => [
      i > 0 ? h('span', { class: 'sep' }, '/') : null,
      c.href ? h('a', { href: c.href }, c.label) : h('span', null, c.label),
    ]),
  )
  mount(app, page.body)
  app.removeAttribute('aria-busy')
  app.setAttribute('data-ready', String(seq))
  // bench/dashboard.mjs reads this: time to a rendered page with its data
  performance.mark('evalgate:render')
}

window.addEventListener(NAVIGATE_EVENT, (ev) => {
  const replace = (ev as CustomEvent<{ replace: boolean }>).detail?.replace === true
  void render().then(() => {
    if (!replace) window.scrollTo(0, 0)
  })
})

document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return
  const a = (ev.target as Element | null)?.closest?.('a')
  if (!a || a.target || a.hasAttribute('download')) return
  const to = a.getAttribute('href')
  if (!to?.startsWith('/') || to.startsWith('//') || to.startsWith('/api/')) return
  ev.preventDefault()
  navigate(to)
})
window.addEventListener('popstate', () => void render())
void render()
