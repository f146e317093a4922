// The peers table (sortable by every column, filterable) and the page around it.
import { useMemo, useState } from 'preact/hooks'
import { html } from '../html.js'
import { useLive, useNow } from '../live.js'
import { ago, count, credit, hostAddress } from '../format.js'
import { Badge, Card, Empty, PeerId, ScoreBar } from '../components.js'
import { BanButton } from '../admin.js'

const STATE_RANK = { trusted: 0, probation: 1, banned: 2 }

const numberCell = (key, label, bad = false) => ({
  key,
  label,
  num: true,
  value: (p) => p[key],
  render: (p) => html`<td class="num ${p[key] === 0 ? 'zero' : bad ? 'bad' : ''}">${count(p[key])}</td>`
})

/** Every column sorts by its `value`; `render` draws the cell. */
const COLUMNS = [
  { key: 'id', label: 'Peer', value: (p) => p.id, render: (p) => html`<td><${PeerId} peer=${p} /></td>` },
  { key: 'address', label: 'Address', value: (p) => p.address, render: (p) => html`<td class="addr" title=${p.address}>${hostAddress(p.address) || '—'}</td>` },
  { key: 'score', label: 'Score', value: (p) => p.score, render: (p) => html`<td><${ScoreBar} score=${p.score} /></td>` },
  { key: 'state', label: 'State', value: (p) => STATE_RANK[p.state] ?? 9, render: (p) => html`<td><${Badge} state=${p.state} /></td>` },
  numberCell('valid', 'Valid'),
  numberCell('invalid', 'Invalid', true),
  numberCell('errors', 'Errors'),
  numberCell('timeouts', 'Timeouts'),
  {
    key: 'checks',
    label: 'Spot-checks',
    num: true,
    // A failed check outweighs any number passed.
    value: (p) => p.spotPassed - 1e6 * p.spotFailed,
    render: (p) => html`<td class="num" title=${`${p.spotPassed} passed, ${p.spotFailed} failed`}>
      ${count(p.spotPassed)}<span class="muted"> / </span><span class=${p.spotFailed > 0 ? 'bad' : 'muted'}>${p.spotFailed}</span></td>`
  },
  {
    key: 'credit',
    label: 'Credit',
    num: true,
    value: (p) => p.credit,
    render: (p) => html`<td class="num ${p.credit === 0 ? 'zero' : ''}" data-credit=${p.credit} title="granted for accepted results, in reference core-seconds">${credit(p.credit)}</td>`
  },
  { key: 'lastSeenMs', label: 'Last seen', num: true, value: (p) => p.lastSeenMs, render: (p, now) => html`<td class="num muted">${p.online ? html`<span style="color: var(--green-text)">online</span>` : ago(p.lastSeenMs, now)}</td>` }
]

const COMPACT = new Set(['id', 'score', 'state', 'valid', 'invalid'])

function compare (column, dir) {
  return (a, b) => {
    const x = column.value(a)
    const y = column.value(b)
    const order = typeof x === 'string' ? x.localeCompare(y) : x - y
    return (order !== 0 ? order : a.id.localeCompare(b.id)) * dir
  }
}

export function PeerTable ({ peers, compact = false, limit }) {
  const { admin } = useLive()
  const now = useNow()
  const [sort, setSort] = useState(null)
  const columns = compact ? COLUMNS.filter((c) => COMPACT.has(c.key)) : COLUMNS
  const rows = useMemo(() => {
    const list = [...peers]
    if (sort != null) list.sort(compare(COLUMNS.find((c) => c.key === sort.key), sort.dir))
    return limit != null ? list.slice(0, limit) : list
  }, [peers, sort, limit])

  const toggle = (key) => setSort(sort?.key === key ? { key, dir: -sort.dir } : { key, dir: key === 'id' || key === 'address' || key === 'state' ? 1 : -1 })
  const aria = (key) => sort?.key !== key ? 'none' : sort.dir > 0 ? 'ascending' : 'descending'

  if (peers.length === 0) return html`<${Empty}>No peers yet: workers appear here when they first ask for work.<//>`
  return html`
    <div class="table-wrap">
      <table class="data" data-table="peers">
        <thead><tr>
          ${columns.map((c) => html`
            <th class=${c.num ? 'num' : ''} aria-sort=${aria(c.key)} key=${c.key}>
              <button onClick=${() => toggle(c.key)} data-sort=${c.key}>
                ${c.label}<span class="arrow">${sort?.key === c.key ? (sort.dir > 0 ? '▲' : '▼') : ''}</span>
              </button>
            </th>`)}
          ${admin && !compact && html`<th></th>`}
        </tr></thead>
        <tbody>
          ${rows.map((p) => html`
            <tr key=${p.id} data-peer-id=${p.id} data-state=${p.state} data-score=${p.score} class=${p.state === 'banned' ? 'banned-row' : ''}>
              ${columns.map((c) => c.render(p, now))}
              ${admin && !compact && html`<td class="num"><${BanButton} peer=${p} /></td>`}
            </tr>`)}
        </tbody>
      </table>
    </div>`
}

const FILTERS = ['all', 'trusted', 'probation', 'banned']

export function PeersPage () {
  const { peers } = useLive()
  const [text, setText] = useState('')
  const [state, setState] = useState('all')
  const all = [...peers.values()]
  const needle = text.trim().toLowerCase()
  const shown = all.filter((p) =>
    (state === 'all' || p.state === state) &&
    (needle === '' || p.id.toLowerCase().includes(needle) || p.address.toLowerCase().includes(needle) || p.state.includes(needle)))
  const online = all.filter((p) => p.online).length
  return html`
    <div data-view="peers">
      <div class="page-head">
        <div>
          <h1>Peers</h1>
          <div class="sub">${count(all.length)} known, ${count(online)} connected now. Scores fall fast on a wrong answer and recover slowly.</div>
        </div>
      </div>
      <${Card} flush title=${html`${count(shown.length)} ${shown.length === 1 ? 'peer' : 'peers'}`} actions=${html`
        <div class="toolbar">
          ${FILTERS.map((f) => html`
            <button class="btn sm ${state === f ? 'primary' : ''}" onClick=${() => setState(f)} key=${f}>
              ${f === 'all' ? 'All' : f[0].toUpperCase() + f.slice(1)} <span class=${state === f ? '' : 'muted'}>${f === 'all' ? all.length : all.filter((p) => p.state === f).length}</span>
            </button>`)}
          <input class="search" type="search" placeholder="Filter by id, address or state" value=${text} onInput=${(e) => setText(e.currentTarget.value)} aria-label="Filter peers" />
        </div>`}>
        ${shown.length === 0 && all.length > 0 ? html`<${Empty}>No peer matches this filter.<//>` : html`<${PeerTable} peers=${shown} />`}
      <//>
    </div>`
}
