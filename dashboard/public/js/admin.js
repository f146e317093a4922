// Read-only until the operator pastes the coordinator's admin token; then ban and unban
// buttons appear. The token stays in this tab's sessionStorage only.
import { useEffect, useRef, useState } from 'preact/hooks'
import { adminToken, checkToken, setBanned } from './api.js'
import { html } from './html.js'
import { live, useLive } from './live.js'
import { shortId } from './format.js'

/** Checks a token kept from earlier in this tab: the coordinator may have a new one. */
export async function restoreAdmin () {
  const token = adminToken.get()
  if (token == null) return
  const ok = await checkToken(token).catch(() => false)
  if (ok) live.setAdmin(true)
  else adminToken.clear()
}

export function AdminControl () {
  const { admin } = useLive()
  const [open, setOpen] = useState(false)
  const [token, setToken] = useState('')
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)
  const input = useRef(null)
  useEffect(() => { if (open) input.current?.focus() }, [open])

  const unlock = async (event) => {
    event.preventDefault()
    const value = token.trim()
    if (value === '') return
    setBusy(true)
    setError(null)
    try {
      if (await checkToken(value)) {
        adminToken.set(value)
        live.setAdmin(true)
        setOpen(false)
        setToken('')
      } else {
        setError('That is not this coordinator\'s admin token.')
      }
    } catch (err) {
      setError(`Cannot check the token: ${err.message}`)
    } finally {
      setBusy(false)
    }
  }

  const lock = () => {
    adminToken.clear()
    live.setAdmin(false)
  }

  if (admin) {
    return html`<span class="badge admin" title="Ban and unban are enabled in this tab">Admin</span>
      <button class="btn sm ghost-dark" onClick=${lock}>Lock</button>`
  }
  return html`
    <span class="badge readonly" title="Paste the admin token to ban or unban peers">Read-only</span>
    <button class="btn sm ghost-dark" onClick=${() => setOpen(!open)} aria-expanded=${open}>Unlock</button>
    ${open && html`
      <form class="popover" onSubmit=${unlock}>
        <h3>Admin token</h3>
        <p>Banning needs the coordinator's admin token: the file <code>admin.token</code> in its data directory. It is kept in this tab only.</p>
        <input ref=${input} class="input" type="password" autocomplete="off" spellcheck="false" placeholder="paste the token"
          value=${token} onInput=${(e) => setToken(e.currentTarget.value)} />
        ${error != null && html`<div class="err">${error}</div>`}
        <div class="row">
          <button type="button" class="btn" onClick=${() => setOpen(false)}>Cancel</button>
          <button type="submit" class="btn primary" disabled=${busy || token.trim() === ''}>Unlock</button>
        </div>
      </form>`}`
}

/** Ban or unban, shown only with the admin token. */
export function BanButton ({ peer, small = true }) {
  const { admin } = useLive()
  const [busy, setBusy] = useState(false)
  if (!admin) return null
  const banned = peer.state === 'banned'
  const toggle = async () => {
    if (!banned && !confirm(`Ban ${shortId(peer.id)}? Its leases are cancelled, its connections closed, and the units it backed are checked again.`)) return
    setBusy(true)
    try {
      live.putPeer(await setBanned(peer.id, !banned))
    } catch (err) {
      if (err.status === 401) { adminToken.clear(); live.setAdmin(false) }
      alert(err.message)
    } finally {
      setBusy(false)
    }
  }
  return html`<button class="btn ${small ? 'sm' : ''} ${banned ? '' : 'danger'}" disabled=${busy} onClick=${toggle} data-action=${banned ? 'unban' : 'ban'}>
    ${banned ? 'Unban' : 'Ban'}
  </button>`
}
