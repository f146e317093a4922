// The dashboard: a header, a view per route, and the live feed behind all of them.
import { render } from 'preact'
import { html } from './html.js'
import { live, useLive } from './live.js'
import { href, useRoute } from './router.js'
import { AdminControl, restoreAdmin } from './admin.js'
import { Overview } from './views/overview.js'
import { PeersPage } from './views/peers.js'
import { PeerPage } from './views/peer.js'
import { JobsPage, JobPage } from './views/jobs.js'

const LIVE_LABELS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' }

const Logo = () => html`
  <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
    <rect width="32" height="32" rx="8" fill="#4f46e5" />
    <g stroke="#fff" stroke-width="1.6" opacity=".75"><path d="M9 9l7 7 7-7M9 23l7-7 7 7" /></g>
    <g fill="#fff"><circle cx="9" cy="9" r="3" /><circle cx="23" cy="9" r="3" /><circle cx="16" cy="16" r="3.4" /><circle cx="9" cy="23" r="3" /><circle cx="23" cy="23" r="3" /></g>
  </svg>`

function Header ({ route }) {
  const { status } = useLive()
  const section = route.name === 'peer' ? 'peers' : route.name === 'job' ? 'jobs' : route.name
  const link = (name, label) => html`<a href=${href[name]} class=${section === name ? 'active' : ''} aria-current=${section === name ? 'page' : undefined}>${label}</a>`
  return html`
    <header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href=${href.overview}><${Logo} />PeerGrid <small>coordinator</small></a>
        <nav class="nav">${link('overview', 'Overview')}${link('peers', 'Peers')}${link('jobs', 'Jobs')}</nav>
        <div class="topbar-end">
          <span class="live" data-live=${status}><i class="dot"></i>${LIVE_LABELS[status]}</span>
          <${AdminControl} />
        </div>
      </div>
    </header>`
}

function View ({ route }) {
  switch (route.name) {
    case 'overview': return html`<${Overview} />`
    case 'peers': return html`<${PeersPage} />`
    case 'peer': return html`<${PeerPage} id=${route.id} key=${route.id} />`
    case 'jobs': return html`<${JobsPage} />`
    case 'job': return html`<${JobPage} id=${route.id} key=${route.id} />`
    default: return html`<div class="notice">No such page. <a href=${href.overview}>Back to the overview</a></div>`
  }
}

function App () {
  const route = useRoute()
  return html`<${Header} route=${route} /><main><${View} route=${route} /></main>`
}

live.connect()
void restoreAdmin()
render(html`<${App} />`, document.getElementById('app'))
