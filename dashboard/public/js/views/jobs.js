// Jobs: a list with progress bars and result thumbnails, and the page of one job.
import { useEffect, useState } from 'preact/hooks'
import { html } from '../html.js'
import { getJSON } from '../api.js'
import { useLive, useNow } from '../live.js'
import { href } from '../router.js'
import { ago, count, dateTime, duration, percent } from '../format.js'
import { Badge, Card, Empty, Progress } from '../components.js'

const GRID_ICON = html`<svg width="22" height="22" viewBox="0 0 24 24" fill="currentColor">
  <rect x="3" y="3" width="8" height="8" rx="2" /><rect x="13" y="3" width="8" height="8" rx="2" opacity=".55" />
  <rect x="3" y="13" width="8" height="8" rx="2" opacity=".55" /><rect x="13" y="13" width="8" height="8" rx="2" /></svg>`

/** A result value in one line: `count 1,857,859`. */
export function resultLine (value) {
  if (value == null || typeof value !== 'object') return value == null ? '' : String(value)
  return Object.entries(value).map(([k, v]) => `${k} ${typeof v === 'number' ? count(v) : JSON.stringify(v)}`).join(' · ')
}

const isImage = (file) => file != null && file.mediaType.startsWith('image/')

/** Jobs newest first. */
export const sortedJobs = (jobs) => [...jobs.values()].sort((a, b) => b.createdMs - a.createdMs || b.id.localeCompare(a.id))

const elapsed = (job, now) => (job.finishedMs ?? now) - job.createdMs

export function JobList ({ jobs, limit }) {
  const now = useNow(1000)
  const shown = limit != null ? jobs.slice(0, limit) : jobs
  if (jobs.length === 0) return html`<${Empty}>No jobs yet. Submit one: <code>peergrid submit examples/mandelbrot.json</code><//>`
  return html`
    <ul class="job-list" data-list="jobs">
      ${shown.map((j) => html`
        <li class="job-item" key=${j.id} data-job-id=${j.id} data-state=${j.state}>
          <a href=${href.job(j.id)} tabindex="-1">${isImage(j.resultFile) && j.state === 'completed'
            ? html`<img class="thumb" src=${j.resultFile.url} alt=${`result of ${j.name}`} loading="lazy" />`
            : html`<span class="thumb placeholder" aria-hidden="true">${GRID_ICON}</span>`}</a>
          <div class="main">
            <div class="title">
              <a href=${href.job(j.id)}>${j.name}</a>
              ${j.name !== j.kind && html`<span class="kind">${j.kind}</span>`}
              <span class="kind">${j.id}</span>
              <${Badge} state=${j.state} />
            </div>
            <${Progress} job=${j} />
            <div class="meta">
              <span>${count(j.unitsAccepted)} / ${count(j.unitsTotal)} units · ${percent(j.progress)}${j.unitsFailed > 0 ? ` · ${j.unitsFailed} failed` : ''} · ${count(j.resultsReceived)} results${j.state === 'completed' && j.result != null ? html` · <b class="result-inline">${resultLine(j.result)}</b>` : ''}</span>
              <span>${j.state === 'running' ? `running for ${duration(elapsed(j, now))}` : `took ${duration(elapsed(j, now))} · ${ago(j.finishedMs, now)}`}</span>
            </div>
          </div>
        </li>`)}
    </ul>`
}

export function JobsPage () {
  const { jobs } = useLive()
  const list = sortedJobs(jobs)
  const running = list.filter((j) => j.state === 'running').length
  return html`
    <div data-view="jobs">
      <div class="page-head">
        <div>
          <h1>Jobs</h1>
          <div class="sub">${count(list.length)} jobs, ${count(running)} running. A unit is accepted when enough independent results agree.</div>
        </div>
      </div>
      <${Card} flush><${JobList} jobs=${list} /><//>
    </div>`
}

const UNIT_LEGEND = [
  ['a', 'accepted'], ['l', 'leased'], ['r', 'reported'], ['w', 'waiting'], ['f', 'failed'], ['c', 'cancelled']
]

function UnitMap ({ job }) {
  if (job.unitMap == null) return html`<p class="muted">${count(job.unitsTotal)} units: too many to draw one by one.</p>`
  return html`
    <div class="unit-map" aria-label="units by state">
      ${[...job.unitMap].map((s, i) => html`<i class=${s} title=${`unit ${i}: ${UNIT_LEGEND.find(([c]) => c === s)?.[1] ?? s}`}></i>`)}
    </div>
    <div class="legend">
      ${UNIT_LEGEND.map(([c, label]) => html`<span key=${c}><span class="unit-map"><i class=${c}></i></span>${label} ${count(job.units[label])}</span>`)}
    </div>`
}

export function JobPage ({ id }) {
  const { jobs } = useLive()
  const summary = jobs.get(id)
  const now = useNow(1000)
  const [job, setJob] = useState(null)
  const [error, setError] = useState(null)
  useEffect(() => {
    let current = true
    getJSON(`/api/jobs/${encodeURIComponent(id)}`)
      .then((j) => { if (current) { setJob(j); setError(null) } })
      .catch((err) => { if (current) setError(err) })
    return () => { current = false }
  }, [id, summary])

  if (error != null) return html`<div class="notice">${error.status === 404 ? `No job ${id} on this coordinator.` : error.message}</div>`
  if (job == null) return html`<div class="empty">Loading…</div>`
  return html`
    <div data-view="job" data-job-id=${job.id} data-state=${job.state}>
      <div class="crumbs"><a href=${href.jobs}>Jobs</a> / ${job.id}</div>
      <div class="page-head">
        <div>
          <div class="title-row"><h1>${job.name}</h1>${job.name !== job.kind && html`<span class="kind">${job.kind}</span>`}<${Badge} state=${job.state} /></div>
          <div class="sub">Submitted ${dateTime(job.createdMs)} · ${job.state === 'running' ? `running for ${duration(elapsed(job, now))}` : `took ${duration(elapsed(job, now))}`}</div>
        </div>
      </div>
      ${job.error != null && html`<div class="notice">${job.error}</div>`}
      <div class="card" style="margin-bottom: 16px">
        <div class="card-body"><${Progress} job=${job} large /></div>
        <dl class="facts" style="margin: 0; border-top: 1px solid var(--border)">
          <div><dt>Progress</dt><dd>${percent(job.progress)}</dd></div>
          <div><dt>Units accepted</dt><dd>${count(job.unitsAccepted)} / ${count(job.unitsTotal)}</dd></div>
          <div><dt>Units failed</dt><dd>${count(job.unitsFailed)}</dd></div>
          <div><dt>Results received</dt><dd>${count(job.resultsReceived)}</dd></div>
          <div><dt>Finished</dt><dd class="small">${dateTime(job.finishedMs)}</dd></div>
        </dl>
      </div>
      <div class="grid halves">
        <${Card} title="Result" hint=${job.state === 'completed' ? 'merged from the accepted units' : 'when every unit is accepted'}>
          ${job.state !== 'completed'
            ? html`<p class="muted" style="margin: 0">No result yet.</p>`
            : html`
              ${isImage(job.resultFile) && html`<a href=${job.resultFile.url} target="_blank" rel="noopener"><img class="result-img" src=${job.resultFile.url} alt=${`result of ${job.name}`} /></a>`}
              <pre class="json" style=${isImage(job.resultFile) ? 'margin-top: 12px' : ''}>${JSON.stringify(job.result, null, 2)}</pre>
              ${job.resultFile != null && html`<p style="margin: 10px 0 0"><a href=${job.resultFile.url} download=${job.resultFile.name}>Download ${job.resultFile.name}</a></p>`}`}
        <//>
        <div class="grid" style="align-content: start">
          <${Card} title="Units" hint="one square per unit">
            <${UnitMap} job=${job} />
          <//>
          <${Card} title="Job file">
            <pre class="json">${JSON.stringify(job.spec, null, 2)}</pre>
          <//>
        </div>
      </div>
    </div>`
}
