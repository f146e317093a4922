// One peer: its reputation now, its score over time, and its latest verdicts.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { html } from '../html.js'
import { getJSON } from '../api.js'
import { useLive } from '../live.js'
import { href } from '../router.js'
import { ago, clock, count, credit, dateTime, hostAddress } from '../format.js'
import { Badge, Card, Empty, ScoreBar } from '../components.js'
import { Chart, scoreData, scoreOptions } from '../charts.js'
import { BanButton } from '../admin.js'

const EVENT_LABELS = {
  valid: 'valid result',
  invalid: 'invalid result',
  error: 'error',
  timeout: 'timeout',
  'spot-pass': 'spot-check passed',
  'spot-fail': 'spot-check failed',
  flood: 'flooded work requests (throttled)',
  ban: 'banned by operator',
  unban: 'unbanned by operator'
}

/** The peer's details, fetched again whenever the live feed says the peer changed. */
function usePeerDetail (id) {
  const { peers } = useLive()
  const summary = peers.get(id)
  const [detail, setDetail] = useState(null)
  const [error, setError] = useState(null)
  useEffect(() => {
    let current = true
    getJSON(`/api/peers/${encodeURIComponent(id)}`)
      .then((d) => { if (current) { setDetail(d); setError(null) } })
      .catch((err) => { if (current) setError(err) })
    return () => { current = false }
  }, [id, summary])
  return { detail, error }
}

export function PeerPage ({ id }) {
  const { detail, error } = usePeerDetail(id)
  const data = useMemo(() => detail == null ? null : scoreData(detail.history, Date.now()), [detail])

  if (error != null) return html`<div class="notice">${error.status === 404 ? `No peer ${id} is known to this coordinator.` : error.message}</div>`
  if (detail == null) return html`<div class="empty">Loading…</div>`
  const p = detail
  const lies = p.history.filter((h) => h.event === 'invalid' || h.event === 'spot-fail').length
  return html`
    <div data-view="peer" data-peer-id=${p.id} data-state=${p.state}>
      <div class="crumbs"><a href=${href.peers}>Peers</a> / peer</div>
      <div class="page-head">
        <div>
          <div class="title-row peer-title"><h1>${p.id}</h1><${Badge} state=${p.state} /></div>
          <div class="sub">${p.online ? 'Connected now' : `Last seen ${ago(p.lastSeenMs)}`} · ${hostAddress(p.address) || 'no address recorded'} · first seen ${dateTime(p.firstSeenMs)}</div>
        </div>
        <${BanButton} peer=${p} small=${false} />
      </div>

      <div class="card" style="margin-bottom: 16px">
        <dl class="facts" style="margin: 0">
          <div><dt>Score</dt><dd><${ScoreBar} score=${p.score} /></dd></div>
          <div><dt>Credit</dt><dd title="granted for accepted results, in reference core-seconds">${credit(p.credit)}</dd></div>
          <div><dt>Valid results</dt><dd>${count(p.valid)}</dd></div>
          <div><dt>Invalid results</dt><dd style=${p.invalid > 0 ? 'color: var(--red-text)' : ''}>${count(p.invalid)}</dd></div>
          <div><dt>Errors</dt><dd>${count(p.errors)}</dd></div>
          <div><dt>Timeouts</dt><dd>${count(p.timeouts)}</dd></div>
          <div><dt>Spot-checks passed</dt><dd>${count(p.spotPassed)}</dd></div>
          <div><dt>Spot-checks failed</dt><dd style=${p.spotFailed > 0 ? 'color: var(--red-text)' : ''}>${count(p.spotFailed)}</dd></div>
        </dl>
      </div>

      <div class="grid split">
        <${Card} title="Reputation over time" hint=${`${count(p.history.length)} events${lies > 0 ? `, ${lies} caught lying` : ''}`}>
          <${Chart} options=${scoreOptions} data=${data} height=${280} points=${p.history.length}
            empty=${p.history.length === 0 ? 'No verdicts yet: the score starts at 0.50.' : undefined} />
        <//>
        <${Card} flush scroll title="Recent verdicts" hint="newest first">
          ${p.verdicts.length === 0
            ? html`<${Empty}>No verdicts yet.<//>`
            : html`<div class="table-wrap"><table class="data" data-table="verdicts">
                <thead><tr><th>Time</th><th>Event</th><th class="num">Score</th><th>State</th></tr></thead>
                <tbody>${p.verdicts.map((v, i) => html`
                  <tr key=${i}>
                    <td class="muted">${clock(v.atMs)}</td>
                    <td><${Badge} state=${v.event} label=${EVENT_LABELS[v.event] ?? v.event} /></td>
                    <td class="num">${v.score.toFixed(2)}</td>
                    <td><${Badge} state=${v.state} /></td>
                  </tr>`)}
                </tbody></table></div>`}
        <//>
      </div>
    </div>`
}
