// Small building blocks shared by the views.
import { html } from './html.js'
import { href } from './router.js'
import { percent, scoreBand, shortId } from './format.js'

export const Badge = ({ state, label }) =>
  html`<span class="badge ${state}" data-state=${state}>${label ?? state}</span>`

export const ScoreBar = ({ score }) => html`
  <span class="score" title=${`reputation score ${score.toFixed(3)} of 1`}>
    <span class="score-track"><span class="score-fill ${scoreBand(score)}" style=${{ width: `${Math.round(score * 100)}%` }}></span></span>
    <span class="score-value">${score.toFixed(2)}</span>
  </span>`

export function Progress ({ job, large = false }) {
  const total = Math.max(1, job.unitsTotal)
  return html`
    <div class="progress ${job.state} ${large ? 'lg' : ''}" role="progressbar" aria-valuemin="0" aria-valuemax=${job.unitsTotal} aria-valuenow=${job.unitsAccepted}
      title=${`${job.unitsAccepted} of ${job.unitsTotal} units accepted (${percent(job.progress)})${job.unitsFailed > 0 ? `, ${job.unitsFailed} failed` : ''}`}>
      <div class="ok" style=${{ width: `${(job.unitsAccepted / total) * 100}%` }}></div>
      <div class="bad" style=${{ width: `${(job.unitsFailed / total) * 100}%` }}></div>
    </div>`
}

export const Card = ({ title, hint, actions, flush = false, scroll = false, children, ...rest }) => html`
  <section class="card" ...${rest}>
    ${title != null && html`
      <div class="card-head">
        <div><h2>${title}</h2>${hint != null && html`<div class="hint">${hint}</div>`}</div>
        ${actions}
      </div>`}
    <div class="card-body ${flush ? 'flush' : ''} ${scroll ? 'scroll' : ''}">${children}</div>
  </section>`

export const Stat = ({ label, value, unit, foot, swatch, ...rest }) => html`
  <div class="card stat" ...${rest}>
    <div class="label">${swatch != null && html`<i class="swatch" style=${{ background: swatch }}></i>`}${label}</div>
    <div class="value">${value}${unit != null && html`<small>${unit}</small>`}</div>
    ${foot != null && html`<div class="foot">${foot}</div>`}
  </div>`

export const PeerId = ({ peer, link = true }) => html`
  <span class="peer-id" title=${`${peer.id}${peer.online ? ' (connected)' : ''}`}>
    <i class="online-dot ${peer.online ? 'on' : ''}"></i>
    ${link ? html`<a href=${href.peer(peer.id)}>${shortId(peer.id)}</a>` : shortId(peer.id)}
  </span>`

export const Empty = ({ children }) => html`<div class="empty">${children}</div>`
