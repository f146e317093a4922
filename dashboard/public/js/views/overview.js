// The first page: how many peers, how fast units are accepted, what the jobs are doing.
import { useMemo } from 'preact/hooks'
import { html } from '../html.js'
import { useLive } from '../live.js'
import { href } from '../router.js'
import { count, rate } from '../format.js'
import { Card, Stat } from '../components.js'
import { Chart, throughputOptions } from '../charts.js'
import { JobList, sortedJobs } from './jobs.js'
import { PeerTable } from './peers.js'

const OUTCOME_ROWS = [
  ['valid', 'Valid results', 'var(--green)'],
  ['spot-pass', 'Spot-checks passed', '#47cd89'],
  ['invalid', 'Invalid results', 'var(--red)'],
  ['spot-fail', 'Spot-checks failed', '#f97066'],
  ['error', 'Errors', '#f79009'],
  ['timeout', 'Timeouts', '#fdb022']
]

function Outcomes ({ outcomes }) {
  const total = OUTCOME_ROWS.reduce((sum, [key]) => sum + (outcomes?.[key] ?? 0), 0)
  return html`
    <div style="display: grid; gap: 12px">
      ${OUTCOME_ROWS.map(([key, label, color]) => {
        const n = outcomes?.[key] ?? 0
        return html`
          <div key=${key}>
            <div style="display: flex; justify-content: space-between; font-size: 13px; margin-bottom: 4px">
              <span class="muted">${label}</span><span class="num" style="font-weight: 600">${count(n)}</span>
            </div>
            <div class="progress" style="height: 6px"><div style=${{ width: `${total === 0 ? 0 : (n / total) * 100}%`, background: color }}></div></div>
          </div>`
      })}
    </div>`
}

export function Overview () {
  const { peers, jobs, stats, throughput } = useLive()
  const data = useMemo(() => [throughput.map((s) => s.atMs / 1000), throughput.map((s) => s.accepted)], [throughput])
  if (stats == null) return html`<div class="empty">Loading…</div>`
  const recent = throughput.slice(-10)
  const average = recent.length === 0 ? 0 : recent.reduce((sum, s) => sum + s.accepted, 0) / recent.length
  const jobList = sortedJobs(jobs)
  const peerList = [...peers.values()]
  const idle = throughput.every((s) => s.accepted === 0)
  return html`
    <div data-view="overview">
      <div class="page-head">
        <div>
          <h1>Overview</h1>
          <div class="sub">${count(stats.connections)} libp2p connections · ${count(stats.leasesActive)} leases out · ${count(stats.units.open)} units open</div>
        </div>
      </div>
      <div class="grid cards">
        <${Stat} label="Peers online" value=${count(stats.peers.connected)} foot=${`${count(stats.peers.known)} known to this coordinator`} data-stat="online" />
        <${Stat} label="Trusted" swatch="var(--green)" value=${count(stats.peers.byState.trusted)} foot="accepted with fewer replicas" data-stat="trusted" />
        <${Stat} label="Probation" swatch="#f79009" value=${count(stats.peers.byState.probation)} foot="proving themselves" data-stat="probation" />
        <${Stat} label="Banned" swatch="var(--red)" value=${count(stats.peers.byState.banned)} foot="caught returning wrong results" data-stat="banned" />
        <${Stat} label="Accepted units/s" value=${rate(average)} foot=${`10 s average · ${count(stats.acceptedTotal)} since start`} data-stat="rate" />
        <${Stat} label="Jobs running" value=${count(stats.jobs.running)} foot=${`${count(stats.jobs.completed)} completed · ${count(stats.jobs.failed)} failed`} data-stat="jobs" />
      </div>
      <div class="grid split">
        <${Card} title="Accepted units per second" hint="last 5 minutes, one point a second">
          <${Chart} options=${throughputOptions} data=${data} height=${250} points=${throughput.length}
            empty=${idle ? 'Idle: no unit accepted in this window' : undefined} />
        <//>
        <${Card} title="Validation outcomes" hint="results judged since the coordinator started">
          <${Outcomes} outcomes=${stats.outcomes} />
        <//>
      </div>
      <div class="grid halves">
        <${Card} flush title="Jobs" hint="newest first" actions=${html`<a href=${href.jobs}>All jobs →</a>`}>
          <${JobList} jobs=${jobList} limit=${5} />
        <//>
        <${Card} flush title="Peers" hint="reputation as this coordinator sees it" actions=${html`<a href=${href.peers}>All peers →</a>`}>
          <${PeerTable} peers=${peerList} compact limit=${8} />
        <//>
      </div>
    </div>`
}
